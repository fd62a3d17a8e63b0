#!/usr/bin/env bash
# crosstest.sh — swaps the TypeScript and Rust implementations at the artifact boundary
# (SPEC §8 encodings, §6.5 bundles), every scenario in both directions (TS→Rust, Rust→TS):
#   claims: each suite (nostr/BIP-340, ed25519) × each encoding (json, compact, md, dns),
#           made by one CLI, verified (offline and against the exported chain) by the other;
#   sigchains with every op built by one, verified, shown, imported and re-exported
#           byte-identically by the other; then extended by the other and re-checked;
#   negatives: tampered bytes, a wrong key, non-canonical JSON, an expired claim, a revoked
#           claim (claim verify --chain) and a forked bundle — both must reject them with the
#           same status and code (from --json);
#   one answer for every input (SPEC §2.1, §2.3, §5.1, §8.2): edge forms both accept, inputs
#           both refuse to sign, and hostile artifacts (made from each CLI's claims, or the
#           signed negative vectors) both judge with the same status, code and exit code;
#   SPEC v0.3: a short proof made by one and judged by the other; a rotation keeping claims;
#           a compromise declaration; a recovery superseding a thief's branch (same winner,
#           same evidence); a device request made by one and approved by the other;
#   pastes (SPEC §8.3): a Markdown claim with CRLF, trailing blanks or a BOM made by one is the
#           same valid claim for the other; tampering behind trailing blanks both reject;
#   several identities at one place (SPEC §10): a text naming two identities, in both orders,
#           gets the chain's identity's own verdict from both CLIs.
# Usage: ./crosstest.sh [-v]   (-v echoes commands and artifacts)
# The last line printed is exactly "N passed, N failed"; the exit code is non-zero on any failure.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")" && pwd)"
cd "$ROOT"
VERBOSE=0
[ "${1:-}" = "-v" ] && VERBOSE=1
NOW=1760000000
PASSED=0
FAILED=0

log() { [ "$VERBOSE" = 1 ] && printf '%s\n' "$*" >&2; return 0; }

# ---- build both implementations ---------------------------------------------------------
if [ ! -f packages/kez-cli/bundle/kez.js ]; then
  echo "== building the TypeScript CLI (npm run build)" >&2
  npm run build >&2 || { echo "TypeScript build failed" >&2; echo "0 passed, 1 failed"; exit 1; }
fi
echo "== building the Rust CLI (cargo build --release --locked)" >&2
(cd rust && cargo build --release --locked >&2) || { echo "Rust build failed" >&2; echo "0 passed, 1 failed"; exit 1; }

TS_BIN=(node "$ROOT/packages/kez-cli/bin/kez.js")
RS_BIN=("$ROOT/rust/target/release/kez")

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kez-crosstest.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# kez IMPL HOME [args...] — runs one CLI against a store, at a fixed clock unless --now is given.
# Sets OUT (stdout) and RC.
kez() {
  local impl="$1" home="$2"; shift 2
  local -a bin
  if [ "$impl" = ts ]; then bin=("${TS_BIN[@]}"); else bin=("${RS_BIN[@]}"); fi
  local has_now=0 a
  for a in "$@"; do [ "$a" = "--now" ] && has_now=1; done
  local -a clock=()
  [ "$has_now" = 0 ] && clock=(--now "$NOW")
  log "+ [$impl] kez --home $home ${clock[*]} $*"
  OUT="$(KEZ_HOME="$home" "${bin[@]}" --home "$home" "${clock[@]}" "$@" 2>"$WORK/stderr")"
  RC=$?
  log "  rc=$RC"
  # Secrets (key show --secret) stay out of the log, even with -v.
  if [ "$VERBOSE" = 1 ] && [ -n "$OUT" ]; then
    case " $* " in
      *" --secret "*) echo "  | (secret output not shown)" >&2 ;;
      *) printf '%s\n' "$OUT" | sed 's/^/  | /' >&2 ;;
    esac
  fi
  return 0
}

# JSON helpers: jq when installed (fast), else node. Objects print with sorted keys, so two
# implementations that order members differently still compare equal.
if command -v jq >/dev/null 2>&1; then
  # jget JSON PATH — one member (dot path, array indexes as numbers); "null" when absent.
  jget() { printf '%s' "$1" | jq -rcS ".${2}" 2>/dev/null || echo null; }
  # The parts of a `sigchain show --json` summary that both implementations must agree on.
  chain_view() {
    printf '%s' "$1" | jq -cS '{status, code, identity, head, primary, next_committed, events,
      devices: [(.devices // [])[] | [.key, .name, .seq]],
      claims: [(.claims // [])[] | [.hash, .subject, .seq, .status, .code]]}' 2>/dev/null || echo invalid-json
  }
  # status_code JSON — "status code"; a refusal (an error document) is "refused <error code>".
  status_code() {
    printf '%s' "$1" | jq -r 'if .error then "refused \(.error.code)" else "\(.status) \(.code)" end' 2>/dev/null || echo "none none"
  }
else
  JS_SORT='const sort = (v) => Array.isArray(v) ? v.map(sort) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])])) : v;'
  jget() {
    node -e "$JS_SORT"'
      let v; try { v = JSON.parse(process.argv[1]); } catch { v = null; }
      for (const k of process.argv[2].split(".").filter(Boolean)) v = v == null ? undefined : v[k];
      process.stdout.write(v === undefined || v === null ? "null" : typeof v === "string" ? v : JSON.stringify(sort(v)));
    ' "$1" "$2"
  }
  chain_view() {
    node -e "$JS_SORT"'
      let s; try { s = JSON.parse(process.argv[1]); } catch { process.stdout.write("invalid-json"); process.exit(0); }
      const v = { status: s.status, code: s.code, identity: s.identity, head: s.head, primary: s.primary,
        next_committed: s.next_committed, events: s.events,
        devices: (s.devices || []).map((d) => [d.key, d.name, d.seq]),
        claims: (s.claims || []).map((c) => [c.hash, c.subject, c.seq, c.status, c.code]) };
      process.stdout.write(JSON.stringify(sort(v)));
    ' "$1"
  }
  status_code() {
    node -e '
      let d; try { d = JSON.parse(process.argv[1]) || {}; } catch { d = {}; }
      process.stdout.write(d.error ? `refused ${d.error.code}` : `${d.status ?? "none"} ${d.code ?? null}`);
    ' "$1"
  }
fi

pass() { PASSED=$((PASSED + 1)); echo "ok    $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL  $1${2:+: $2}"; }

show_artifact() {
  [ "$VERBOSE" = 1 ] || return 0
  echo "  artifact $1:" >&2
  head -c 2000 "$1" | sed 's/^/  > /' >&2
  echo >&2
}

other() { if [ "$1" = ts ]; then echo rs; else echo ts; fi; }
name_of() { if [ "$1" = ts ]; then echo TS; else echo Rust; fi; }

# A fresh store with a key of SUITE and an initialised identity.
new_identity() {
  local impl="$1" home="$2" alg="$3"
  kez "$impl" "$home" key gen --alg "$alg" --name main || return 1
  [ "$RC" = 0 ] || return 1
  kez "$impl" "$home" sigchain init --key main || return 1
  [ "$RC" = 0 ]
}

subject_for() {
  case "$1" in
    json) echo "github:Alice-$2" ;;
    compact) echo "dns:bücher-$2.example" ;;
    md) echo "mastodon:Alice@Social.$2.example" ;;
    dns) echo "bluesky:alice.$2.example" ;;
  esac
}

# ---- 1. claims: suite × encoding, both directions ----------------------------------------
for maker in ts rs; do
  checker="$(other "$maker")"
  for alg in nostr ed25519; do
    home="$WORK/claims-$maker-$alg"
    if ! new_identity "$maker" "$home" "$alg"; then
      fail "$(name_of "$maker") could not create a $alg identity" "$(cat "$WORK/stderr")"
      continue
    fi
    for enc in json compact md dns; do
      label="claim $alg/$enc $(name_of "$maker")→$(name_of "$checker")"
      file="$WORK/claim-$maker-$alg.$enc"
      kez "$maker" "$home" --json claim "$(subject_for "$enc" "$alg")" --format "$enc" --out "$file"
      if [ "$RC" != 0 ]; then fail "$label" "make failed (rc $RC): $(cat "$WORK/stderr")"; continue; fi
      made_obj="$(jget "$OUT" claim)"
      show_artifact "$file"
      rm -f "$WORK/chain-$maker-$alg.jsonl"  # re-exported after each claim (--out never overwrites)
      kez "$maker" "$home" sigchain export --out "$WORK/chain-$maker-$alg.jsonl"
      kez "$checker" "$WORK/empty" --json claim verify "$file"
      off_status="$(jget "$OUT" status)"; off_rc=$RC; off_obj="$(jget "$OUT" object)"; off_enc="$(jget "$OUT" encoding)"
      kez "$checker" "$WORK/empty" --json claim verify "$file" --chain "$WORK/chain-$maker-$alg.jsonl"
      on_status="$(jget "$OUT" status)"; on_rc=$RC; consulted="$(jget "$OUT" chain_consulted)"
      want_enc="$enc"; [ "$enc" = md ] && want_enc=markdown
      if [ "$off_status" = valid ] && [ "$off_rc" = 0 ] && [ "$off_obj" = "$made_obj" ] && [ "$off_enc" = "$want_enc" ] \
        && [ "$on_status" = valid ] && [ "$on_rc" = 0 ] && [ "$consulted" = true ]; then
        pass "$label"
      else
        fail "$label" "offline=$off_status/rc$off_rc enc=$off_enc chain=$on_status/rc$on_rc consulted=$consulted same_object=$([ "$off_obj" = "$made_obj" ] && echo yes || echo no)"
      fi
    done
  done
done

# ---- 2. sigchains with every op, both directions -----------------------------------------
for maker in ts rs; do
  checker="$(other "$maker")"
  for alg in nostr ed25519; do
    devalg=ed25519; [ "$alg" = ed25519 ] && devalg=nostr
    label="sigchain $alg (init add add-device revoke rotate revoke-device) $(name_of "$maker")→$(name_of "$checker")"
    home="$WORK/chain-$maker-$alg"
    ok=1
    new_identity "$maker" "$home" "$alg" || ok=0
    steps=(
      "key gen --alg $devalg --name phone"
      "sigchain add github:alice"
      "claim dns:example.com --expires-at 1900000000 --locator https://sig.example.com/kez --format json --out $WORK/rotated-$maker-$alg.json"
      "sigchain add-device phone --device-name phone"
      "claim ap:@alice@example.com --key phone --format md --out $WORK/device-$maker-$alg.md"
      "sigchain revoke github:alice --reason moved"
      "sigchain rotate"
      "sigchain add nostr:npub1sg6plzptd64u62a878hep2kev88swjh3tw00gjsfl8f237lmu63q0uf63m"
      "sigchain revoke-device phone"
    )
    for step in "${steps[@]}"; do
      [ "$ok" = 1 ] || break
      # shellcheck disable=SC2086
      kez "$maker" "$home" $step
      [ "$RC" = 0 ] || { ok=0; fail "$label" "step '$step' failed (rc $RC): $(cat "$WORK/stderr")"; }
    done
    [ "$ok" = 1 ] || continue
    bundle="$WORK/bundle-$maker-$alg.jsonl"
    kez "$maker" "$home" sigchain export --out "$bundle"
    show_artifact "$bundle"
    kez "$maker" "$home" --json sigchain show
    maker_view="$(chain_view "$OUT")"
    kez "$checker" "$WORK/empty" --json sigchain verify "$bundle"
    verify_status="$(jget "$OUT" status)"; verify_rc=$RC
    kez "$checker" "$WORK/empty" --json sigchain show "$bundle"
    checker_view="$(chain_view "$OUT")"
    imp="$WORK/import-$checker-$maker-$alg"
    kez "$checker" "$imp" --json sigchain import "$bundle"
    import_rc=$RC
    # A store without the identity's keys keeps the imported chain but does not adopt it as its
    # own; name it in config.json (the shared store layout) to export it from there.
    printf '{"identity":"%s"}\n' "$(jget "$maker_view" identity)" > "$imp/config.json"
    kez "$checker" "$imp" sigchain export --out "$WORK/reexport-$checker-$alg.jsonl"
    reexport_rc=$RC
    if [ "$verify_status" = valid ] && [ "$verify_rc" = 0 ] && [ "$import_rc" = 0 ] && [ "$reexport_rc" = 0 ] \
      && [ "$maker_view" = "$checker_view" ] && cmp -s "$bundle" "$WORK/reexport-$checker-$alg.jsonl"; then
      pass "$label"
    else
      fail "$label" "verify=$verify_status/rc$verify_rc import_rc=$import_rc reexport_rc=$reexport_rc same_view=$([ "$maker_view" = "$checker_view" ] && echo yes || echo no) same_bytes=$(cmp -s "$bundle" "$WORK/reexport-$checker-$alg.jsonl" && echo yes || echo no)"
      log "maker view:   $maker_view"
      log "checker view: $checker_view"
    fi
  done
done

# ---- 3. a chain begun by one and continued by the other ----------------------------------
for maker in ts rs; do
  checker="$(other "$maker")"
  label="sigchain begun by $(name_of "$maker"), continued by $(name_of "$checker"), re-verified by $(name_of "$maker")"
  home="$WORK/handoff-$maker"
  ok=1
  new_identity "$maker" "$home" nostr || ok=0
  kez "$maker" "$home" sigchain add github:handoff; [ "$RC" = 0 ] || ok=0
  kez "$maker" "$home" sigchain export --out "$WORK/handoff-$maker.jsonl"; [ "$RC" = 0 ] || ok=0
  # Move the keys (secrets on stdin, as the contract requires) and the chain to the other CLI.
  other_home="$WORK/handoff-$maker-to-$checker"
  for k in main main.next; do
    kez "$maker" "$home" --json key show "$k" --secret
    secret="$(jget "$OUT" secret)"
    if [ "$checker" = ts ]; then bin=("${TS_BIN[@]}"); else bin=("${RS_BIN[@]}"); fi
    printf '%s\n' "$secret" | "${bin[@]}" --home "$other_home" --now "$NOW" key import --alg nostr --name "$k" >/dev/null 2>"$WORK/stderr" \
      || { ok=0; log "key import failed: $(cat "$WORK/stderr")"; }
  done
  kez "$checker" "$other_home" sigchain import "$WORK/handoff-$maker.jsonl"; [ "$RC" = 0 ] || ok=0
  for step in "sigchain add dns:handoff.example" "sigchain rotate" "sigchain add bluesky:handoff.example"; do
    # shellcheck disable=SC2086
    kez "$checker" "$other_home" $step; [ "$RC" = 0 ] || { ok=0; log "step '$step' failed: $(cat "$WORK/stderr")"; }
  done
  kez "$checker" "$other_home" sigchain export --out "$WORK/handoff-back-$maker.jsonl"; [ "$RC" = 0 ] || ok=0
  kez "$maker" "$home" --json sigchain import "$WORK/handoff-back-$maker.jsonl"; import_rc=$RC
  kez "$maker" "$home" sigchain export --out "$WORK/handoff-final-$maker.jsonl"
  kez "$maker" "$home" --json sigchain show
  head_seq="$(jget "$OUT" head.seq)"
  if [ "$ok" = 1 ] && [ "$import_rc" = 0 ] && [ "$head_seq" = 4 ] && cmp -s "$WORK/handoff-back-$maker.jsonl" "$WORK/handoff-final-$maker.jsonl"; then
    pass "$label"
  else
    fail "$label" "ok=$ok import_rc=$import_rc head_seq=$head_seq"
  fi
done

# ---- 4. negatives: both implementations must reject with the same status and code ---------
# both_judge LABEL EXPECTED_STATUS EXPECTED_CODE args... — both give that status and code with
# the same exit code (which may be 0). both_reject also requires that exit code to be non-zero.
both_judge() {
  local label="$1" want_status="$2" want_code="$3" must_fail="${MUST_FAIL:-0}"; shift 3
  local ts_s ts_c rs_s rs_c ts_rc rs_rc
  kez ts "$WORK/empty" --json "$@"; ts_rc=$RC
  read -r ts_s ts_c <<<"$(status_code "$OUT")"
  kez rs "$WORK/empty" --json "$@"; rs_rc=$RC
  read -r rs_s rs_c <<<"$(status_code "$OUT")"
  if [ "$ts_s $ts_c" = "$want_status $want_code" ] && [ "$rs_s $rs_c" = "$want_status $want_code" ] \
    && [ "$ts_rc" = "$rs_rc" ] && { [ "$must_fail" = 0 ] || [ "$ts_rc" != 0 ]; }; then
    pass "$label (both: $ts_s/$ts_c, exit $ts_rc)"
  else
    fail "$label" "TS=$ts_s/$ts_c exit $ts_rc, Rust=$rs_s/$rs_c exit $rs_rc, want $want_status/$want_code"
  fi
}
both_reject() { MUST_FAIL=1 both_judge "$@"; }

# Replaces the first occurrence of FROM with TO in FILE, writing OUTFILE.
replace_once() {
  node -e '
    const fs = require("fs");
    const [file, from, to, out] = process.argv.slice(1);
    const t = fs.readFileSync(file, "utf8");
    const i = t.indexOf(from);
    if (i < 0) { console.error("pattern not found: " + from); process.exit(1); }
    fs.writeFileSync(out, t.slice(0, i) + to + t.slice(i + from.length));
  ' "$@"
}

for maker in ts rs; do
  who="$(name_of "$maker")"
  for alg in nostr ed25519; do
    src="$WORK/claim-$maker-$alg.json"
    [ -f "$src" ] || { fail "negatives for $who $alg claims" "no source claim"; continue; }
    # One tampered byte in the signed content (the subject).
    replace_once "$src" "alice-$alg" "alicf-$alg" "$WORK/neg-tamper-$maker-$alg.json" \
      && both_reject "tampered subject byte ($who $alg json)" invalid bad_signature claim verify "$WORK/neg-tamper-$maker-$alg.json"
    # One tampered byte in the signature itself.
    sig="$(jget "$(cat "$src")" sig)"
    flipped="${sig:0:10}$( [ "${sig:10:1}" = 0 ] && echo 1 || echo 0 )${sig:11}"
    replace_once "$src" "$sig" "$flipped" "$WORK/neg-sig-$maker-$alg.json" \
      && both_reject "tampered signature byte ($who $alg json)" invalid bad_signature claim verify "$WORK/neg-sig-$maker-$alg.json"
    # A wrong key: the signer's key id replaced by another (valid) key of the same suite.
    wrong="$(jget "$(cat "$src")" key)"
    kez "$maker" "$WORK/wrongkey-$maker-$alg" --json key gen --alg "$alg" --name other
    other_key="$(jget "$OUT" key)"
    replace_once "$src" "$wrong" "$other_key" "$WORK/neg-key-$maker-$alg.json" \
      && both_reject "wrong key ($who $alg json)" invalid bad_signature claim verify "$WORK/neg-key-$maker-$alg.json"
    # Non-canonical JSON: the same value with a space after the first colon.
    replace_once "$src" '":' '": ' "$WORK/neg-ws-$maker-$alg.json" \
      && both_reject "non-canonical JSON ($who $alg)" invalid non_canonical claim verify "$WORK/neg-ws-$maker-$alg.json"
    # Bytes after the object.
    { cat "$src"; printf 'x'; } > "$WORK/neg-trail-$maker-$alg.json"
    both_reject "trailing data ($who $alg json)" invalid trailing_data claim verify "$WORK/neg-trail-$maker-$alg.json"
  done
  # Compact strings changed in ways the SPEC pins exactly (§8.2): the frame header's checksum
  # flag set (bad_encoding), a second frame appended (trailing_data), padding (bad_encoding).
  src="$WORK/claim-$maker-nostr.compact"
  if [ -f "$src" ]; then
    node -e '
      const fs = require("fs");
      const t = fs.readFileSync(process.argv[1], "utf8").trimEnd();
      const f = Buffer.from(t.slice(7), "base64url");
      const w = (name, bytes) => fs.writeFileSync(process.argv[2] + name, "kez:z1:" + Buffer.from(bytes).toString("base64url") + "\n");
      const sum = Buffer.from(f); sum[4] |= 0x04; w(".checksum", sum);
      w(".twoframes", Buffer.concat([f, f]));
      fs.writeFileSync(process.argv[2] + ".padded", t + "=\n");
      // One base64url character near the end (inside the compressed data) changed.
      const i = t.length - 6;
      fs.writeFileSync(process.argv[2] + ".byte", t.slice(0, i) + (t[i] === "A" ? "B" : "A") + t.slice(i + 1) + "\n");
    ' "$src" "$WORK/neg-compact-$maker"
    both_reject "compact with the checksum flag set ($who)" invalid bad_encoding claim verify "$WORK/neg-compact-$maker.checksum"
    both_reject "compact with a second zstd frame ($who)" invalid trailing_data claim verify "$WORK/neg-compact-$maker.twoframes"
    both_reject "compact with base64 padding ($who)" invalid bad_encoding claim verify "$WORK/neg-compact-$maker.padded"
    # Corrupt compressed data: which error a zstd decoder reports first is decoder-specific
    # (libzstd detects corruption that fzstd decodes into bytes that are then not JSON), and
    # SPEC §8.2 does not pin it; both must say invalid.
    kez ts "$WORK/empty" --json claim verify "$WORK/neg-compact-$maker.byte"; read -r s_ts c_ts <<<"$(status_code "$OUT")"; rc_ts=$RC
    kez rs "$WORK/empty" --json claim verify "$WORK/neg-compact-$maker.byte"; read -r s_rs c_rs <<<"$(status_code "$OUT")"; rc_rs=$RC
    if [ "$s_ts" = invalid ] && [ "$s_rs" = invalid ] && [ "$rc_ts" = 1 ] && [ "$rc_rs" = 1 ]; then
      pass "compact with one corrupted data character ($who; both invalid: TS $c_ts, Rust $c_rs)"
    else
      fail "compact with one corrupted data character ($who)" "TS=$s_ts/$c_ts exit $rc_ts, Rust=$s_rs/$c_rs exit $rc_rs"
    fi
  fi
  # An expired claim.
  home="$WORK/claims-$maker-nostr"
  kez "$maker" "$home" claim github:expiring --format json --expires-at $((NOW + 60)) --out "$WORK/neg-expired-$maker.json"
  kez "$maker" "$home" sigchain export --out "$WORK/neg-expired-$maker.jsonl"
  both_reject "expired claim, offline ($who)" expired expired claim verify "$WORK/neg-expired-$maker.json" --now $((NOW + 3600))
  both_reject "expired claim, against the chain ($who)" expired expired claim verify "$WORK/neg-expired-$maker.json" --chain "$WORK/neg-expired-$maker.jsonl" --now $((NOW + 3600))
  # A revoked claim, checked against the chain that revokes it.
  kez "$maker" "$home" claim github:revokeme --format compact --out "$WORK/neg-revoked-$maker.txt"
  kez "$maker" "$home" sigchain revoke github:revokeme --reason test
  kez "$maker" "$home" sigchain export --out "$WORK/neg-revoked-$maker.jsonl"
  both_reject "revoked claim (claim verify --chain, $who)" revoked revoked claim verify "$WORK/neg-revoked-$maker.txt" --chain "$WORK/neg-revoked-$maker.jsonl"
  # Refusals that keep a store safe, by both CLIs on this store: a second live claim for a
  # subject (without --force), and signing at a --now ahead of the system clock.
  before="$(cat "$home"/chains/*.jsonl)"
  ahead=$(( $(date +%s) + 3600 ))
  for impl in ts rs; do
    kez "$impl" "$home" --json sigchain add github:expiring; read -r s c <<<"$(status_code "$OUT")"; rc=$RC
    kez "$impl" "$home" --json sigchain add github:later --now "$ahead"; read -r s2 c2 <<<"$(status_code "$OUT")"; rc2=$RC
    if [ "$s $c $rc" = "refused duplicate 2" ] && [ "$s2 $c2 $rc2" = "refused future_signing_time 2" ] \
      && [ "$(cat "$home"/chains/*.jsonl)" = "$before" ]; then
      pass "duplicate claim and future --now refused, chain unchanged ($(name_of "$impl") on $who's store)"
    else
      fail "duplicate claim and future --now refused ($(name_of "$impl") on $who's store)" "got $s/$c exit $rc, $s2/$c2 exit $rc2"
    fi
  done
  # Claims by a key rotated away and by a revoked device (made in section 2): a v0.3 rotation
  # or device revocation without a compromise declaration keeps what the key signed before.
  for alg in nostr ed25519; do
    b="$WORK/bundle-$maker-$alg.jsonl"
    [ -f "$b" ] || { fail "rotated/device claims ($who $alg)" "no bundle"; continue; }
    both_judge "claim by a rotated-away key stays valid ($who $alg)" valid null claim verify "$WORK/rotated-$maker-$alg.json" --chain "$b"
    both_judge "claim by a later revoked device stays valid ($who $alg)" valid null claim verify "$WORK/device-$maker-$alg.md" --chain "$b"
  done
  # A forked bundle: two valid events at one seq.
  base="$WORK/fork-$maker-a"
  new_identity "$maker" "$base" nostr
  kez "$maker" "$base" sigchain add github:base
  cp -r "$base" "$WORK/fork-$maker-b"
  kez "$maker" "$base" sigchain add github:left
  kez "$maker" "$WORK/fork-$maker-b" sigchain add github:right
  kez "$maker" "$base" sigchain export --out "$WORK/fork-$maker-left.jsonl"
  kez "$maker" "$WORK/fork-$maker-b" sigchain export --out "$WORK/fork-$maker-right.jsonl"
  kez "$maker" "$base" claim github:afterfork --format json --out "$WORK/fork-$maker-claim.json" --now $((NOW + 10))
  rm -f "$WORK/fork-$maker-left.jsonl"  # again, with the claim after the fork
  kez "$maker" "$base" sigchain export --out "$WORK/fork-$maker-left.jsonl"
  # Union of the lines in SPEC §6.5 order (seq, then hash).
  node -e '
    const fs = require("fs"); const { createHash } = require("crypto");
    const lines = new Set();
    for (const f of process.argv.slice(1, 3)) for (const l of fs.readFileSync(f, "utf8").split("\n")) if (l) lines.add(l);
    const rows = [...lines].map((l) => ({ l, seq: JSON.parse(l).seq, h: createHash("sha256").update(l).digest("hex") }));
    rows.sort((a, b) => a.seq - b.seq || (a.h < b.h ? -1 : a.h > b.h ? 1 : 0));
    fs.writeFileSync(process.argv[3], rows.map((r) => r.l + "\n").join(""));
  ' "$WORK/fork-$maker-left.jsonl" "$WORK/fork-$maker-right.jsonl" "$WORK/fork-$maker.jsonl"
  show_artifact "$WORK/fork-$maker.jsonl"
  both_reject "forked bundle (sigchain verify, $who)" fork fork sigchain verify "$WORK/fork-$maker.jsonl"
  both_reject "claim against a forked chain ($who)" fork fork claim verify "$WORK/fork-$maker-claim.json" --chain "$WORK/fork-$maker.jsonl"
  both_reject "forked bundle refused by import ($who)" refused fork sigchain import "$WORK/fork-$maker.jsonl"
  # A bundle with one event's byte changed.
  replace_once "$WORK/fork-$maker-left.jsonl" "github:left" "github:lefu" "$WORK/neg-bundle-$maker.jsonl" \
    && both_reject "tampered bundle line (sigchain verify, $who)" invalid bad_signature sigchain verify "$WORK/neg-bundle-$maker.jsonl"
done

# ---- 5. one answer for every input (SPEC §2.1, §2.3, §5.1, §8.2) --------------------------
# both_refuse LABEL CODE args... — each CLI, in its own identity store, refuses with CODE.
both_refuse() {
  local label="$1" want="$2"; shift 2
  local ts_r rs_r ts_rc rs_rc
  kez ts "$WORK/claims-ts-nostr" --json "$@"; ts_rc=$RC; ts_r="$(status_code "$OUT")"
  kez rs "$WORK/claims-rs-nostr" --json "$@"; rs_rc=$RC; rs_r="$(status_code "$OUT")"
  if [ "$ts_r" = "refused $want" ] && [ "$rs_r" = "refused $want" ] && [ "$ts_rc" = "$rs_rc" ] && [ "$ts_rc" != 0 ]; then
    pass "$label (both refuse: $want, exit $ts_rc)"
  else
    fail "$label" "TS=$ts_r exit $ts_rc, Rust=$rs_r exit $rs_rc, want refused $want"
  fi
}
for maker in ts rs; do
  checker="$(other "$maker")"
  who="$(name_of "$maker")→$(name_of "$checker")"
  home="$WORK/claims-$maker-nostr"
  # Accepted edge forms: a Kelvin sign in a domain input (UTS #46 maps it to k), a last label
  # that only looks numeric, an IPv4 locator with a port, a query with percent-encoding.
  kez "$maker" "$home" --json claim "dns:$(printf '\xe2\x84\xaa')ez-$maker.1e" --format json --out "$WORK/edge-$maker.json" \
    --locator "ws://127.0.0.1:7777" --locator "https://sig.example.com:8443/kez?id=a%2Fb"
  made_subject="$(jget "$OUT" claim.subject)"
  kez "$checker" "$WORK/empty" --json claim verify "$WORK/edge-$maker.json"
  if [ "$made_subject" = "dns:kez-$maker.1e" ] && [ "$(jget "$OUT" status)" = valid ] && [ "$RC" = 0 ]; then
    pass "edge forms made by one, valid in the other ($who)"
  else
    fail "edge forms made by one, valid in the other ($who)" "subject=$made_subject status=$(jget "$OUT" status) rc=$RC"
  fi
  # The same 32-byte key as an npub with non-zero padding bits (a second text form, §2.1): both
  # refuse the key before the signature. The signed form of this is vector
  # key-id-npub-nonzero-padding below.
  src="$WORK/claim-$maker-nostr.json"
  key="$(jget "$(cat "$src")" key)"
  padded="$(node -e '
    const { bech32 } = require(require.resolve("@scure/base", { paths: [process.argv[2]] }));
    const d = bech32.decode(process.argv[1].slice(6), 1000);
    const w = [...d.words]; w[w.length - 1] |= 1;
    process.stdout.write("nostr:" + bech32.encode("npub", w, 1000));
  ' "$key" "$ROOT/packages/kez-core")"
  replace_once "$src" "$key" "$padded" "$WORK/neg-padded-$maker.json" \
    && both_reject "npub with non-zero padding bits ($(name_of "$maker") claim)" invalid bad_key claim verify "$WORK/neg-padded-$maker.json"
  # A compact claim whose declared Frame_Content_Size is one more / one less than its content.
  node -e '
    const fs = require("fs");
    const t = fs.readFileSync(process.argv[1], "utf8").trimEnd();
    const f = Buffer.from(t.slice(7), "base64url");
    const fcf = f[4] >> 6, single = (f[4] >> 5) & 1;
    if (!single || fcf !== 1) { console.error("unexpected frame header"); process.exit(1); }
    for (const [name, d] of [["larger", 1], ["smaller", -1]]) {
      const g = Buffer.from(f); g.writeUInt16LE(g.readUInt16LE(5) + d, 5);
      fs.writeFileSync(process.argv[2] + "." + name, "kez:z1:" + g.toString("base64url") + "\n");
    }
  ' "$WORK/claim-$maker-nostr.compact" "$WORK/neg-fcs-$maker" || fail "content-size artifacts ($who)"
  for d in larger smaller; do
    both_reject "compact with a declared content size $d than its content ($(name_of "$maker") claim)" invalid bad_encoding claim verify "$WORK/neg-fcs-$maker.$d"
  done
done
# Inputs neither CLI signs: subjects and locators outside SPEC §2.2, §2.3, §5.1.
for subject in 'github:\xe2\x84\xaaez' 'dns:example.0x1' 'dns:example.0X1' 'dns:b\xc3\xbc.0x1' 'dns:b\xc3\xbc%63her.example' 'dns:\x01b\xc3\xbc.example' 'ap:@\xe2\x84\xaaez@example.social' 'bluesky:alice.3com' 'bluesky:alice.9a'; do
  both_refuse "subject $subject" bad_subject claim "$(printf '%b' "$subject")" --format json --out "$WORK/refused.json"
done
for locator in 'HTTPS://sig.example.com/' 'https:sig.example.com' 'https://user@/' 'https://[::1/' 'https://[::1]/' \
  'https://sig.example.com:0443/' 'https://sig.example.com:65536/' 'https://sig%2Eexample.com/' 'https://sig.example.com/a b' \
  'https://sig.example.com/caf\xc3\xa9' 'https://sig.0x1/'; do
  both_refuse "locator $locator" malformed claim github:x --format json --locator "$(printf '%b' "$locator")" --out "$WORK/refused.json"
done
# Signed hostile objects (the negative vectors of these rules, signed by the generator): both
# judge each with the vector's status and code.
node -e '
  const fs = require("fs");
  const v = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const pick = /^(locator-|compact-(content-size|windowed|block-larger|second-frame-wrong)|key-id-npub-nonzero|subject-(npub-nonzero|hex-last|empty-hex|kelvin))/;
  for (const t of v.negative.filter((t) => pick.test(t.name) && t.check === "object")) {
    fs.writeFileSync(`${process.argv[2]}/vec-${t.name}.${t.encoding === "json" ? "json" : "txt"}`, t.input);
    console.log(`${t.name} ${t.encoding === "json" ? "json" : "txt"} ${t.expected.status} ${t.expected.code}`);
  }
' "$ROOT/vectors/kez-vectors.json" "$WORK" > "$WORK/vec-list.txt"
while read -r name ext status code; do
  both_reject "vector $name" "$status" "$code" claim verify "$WORK/vec-$name.$ext"
done < "$WORK/vec-list.txt"
[ -s "$WORK/vec-list.txt" ] || fail "no SPEC §2/§5.1/§8.2 negative vectors found"

# ---- 6. SPEC v0.3: short proofs, rotation, compromise, recovery, device requests ----------
# Each made by one CLI and judged by the other, in both directions.

# merge_bundles OUT IN... — one bundle holding every event of the inputs (a fork tree),
# lines ordered by (seq, hash) as SPEC §6.5 orders them.
merge_bundles() {
  node -e '
    const fs = require("fs"), crypto = require("crypto");
    const [out, ...ins] = process.argv.slice(1);
    const rows = new Map();
    for (const f of ins) for (const l of fs.readFileSync(f, "utf8").split("\n").filter(Boolean))
      rows.set(crypto.createHash("sha256").update(l).digest("hex"), { seq: JSON.parse(l).seq, l });
    const sorted = [...rows].sort(([ha, a], [hb, b]) => a.seq - b.seq || (ha < hb ? -1 : 1));
    fs.writeFileSync(out, sorted.map(([, r]) => r.l + "\n").join(""));
  ' "$@"
}

# copy_store FROM TO — a thief'\''s copy of a store (every key file, the chain).
copy_store() { rm -rf "$2"; cp -a "$1" "$2"; }

# The parts of `sigchain verify --json` both must agree on, resolution evidence included.
resolution_view() {
  node -e '
    let d; try { d = JSON.parse(process.argv[1]); } catch { d = {}; }
    const sup = (d.superseded ?? d.evidence?.superseded ?? []).map((s) => [s.seq, s.winner, s.hash, s.head]);
    process.stdout.write(JSON.stringify([d.status, d.code ?? null, d.head?.seq ?? null, d.head?.hash ?? null, sup]));
  ' "$1"
}

for maker in ts rs; do
  checker="$(other "$maker")"
  who="$(name_of "$maker")→$(name_of "$checker")"

  # 6a. short proof: made by one, judged by the other against the exported chain.
  home="$WORK/v3-short-$maker"
  if new_identity "$maker" "$home" nostr; then
    kez "$maker" "$home" --json claim github:short-$maker --format short --out "$WORK/short-$maker.txt"
    made_rc=$RC
    kez "$maker" "$home" sigchain export --out "$WORK/short-$maker.jsonl"
    printf 'my KEZ identity: %s (ok)\n' "$(cat "$WORK/short-$maker.txt")" > "$WORK/short-bio-$maker.txt"
    len="$(wc -c < "$WORK/short-$maker.txt" | tr -d ' ')"
    kez "$checker" "$WORK/empty" --json claim verify "$WORK/short-bio-$maker.txt" --chain "$WORK/short-$maker.jsonl" --subject github:short-$maker
    got="$(status_code "$OUT")"
    kez "$checker" "$WORK/empty" --json claim verify "$WORK/short-bio-$maker.txt" --chain "$WORK/short-$maker.jsonl" --subject github:someone-else
    other_got="$(status_code "$OUT")"
    if [ "$made_rc" = 0 ] && [ "$len" -le 121 ] && [ "$got" = "valid null" ] && [ "$other_got" = "not_found not_claimed" ]; then
      pass "short proof $who ($len bytes; valid; another account not_claimed)"
    else
      fail "short proof $who" "made rc=$made_rc len=$len claimed=$got other=$other_got"
    fi
  else
    fail "short proof $who" "no identity: $(cat "$WORK/stderr")"
  fi

  # 6a'. the link form (a sig-server home) and a malformed home, judged alike.
  home="$WORK/v3-link-$maker"
  if new_identity "$maker" "$home" ed25519; then
    kez "$maker" "$home" sigchain homes --add https://sig.example.com
    kez "$maker" "$home" --json claim dns:link-$maker.example --format short --out "$WORK/link-$maker.txt"
    kez "$maker" "$home" sigchain export --out "$WORK/link-$maker.jsonl"
    link="$(cat "$WORK/link-$maker.txt")"
    kez "$checker" "$WORK/empty" --json verify short "$link" --subject dns:link-$maker.example --bundle "$WORK/link-$maker.jsonl"
    got="$(status_code "$OUT")"; got_home="$(jget "$OUT" evidence.home)"
    case "$link" in https://sig.example.com/kez:id:*) form=link ;; *) form="$link" ;; esac
    if [ "$form" = link ] && [ "$got" = "valid null" ]; then
      pass "short proof, link form $who (${#link} bytes; valid)"
    else
      fail "short proof, link form $who" "form=$form verdict=$got home=$got_home"
    fi
    both_judge "short proof with a lookalike home ($who)" invalid malformed verify short "${link/https:\/\/sig.example.com/https://Sig.example.com}" --subject dns:link-$maker.example --bundle "$WORK/link-$maker.jsonl"
  else
    fail "short proof, link form $who" "no identity: $(cat "$WORK/stderr")"
  fi

  # 6b. rotation keeps claims valid; 6c. a compromise declaration revokes exactly what the key
  # signed from seq N on.
  for mode in keep compromise; do
    home="$WORK/v3-rot-$mode-$maker"
    ok=1
    new_identity "$maker" "$home" ed25519 || ok=0
    kez "$maker" "$home" claim github:early-$maker --format json --out "$WORK/rot-early-$mode-$maker.json"; [ "$RC" = 0 ] || ok=0
    kez "$maker" "$home" claim dns:late-$maker.example --format json --out "$WORK/rot-late-$mode-$maker.json"; [ "$RC" = 0 ] || ok=0
    if [ "$mode" = keep ]; then kez "$maker" "$home" sigchain rotate; else kez "$maker" "$home" sigchain rotate --compromised-since 2; fi
    [ "$RC" = 0 ] || ok=0
    kez "$maker" "$home" sigchain export --out "$WORK/rot-$mode-$maker.jsonl"
    kez "$checker" "$WORK/empty" --json claim verify "$WORK/rot-early-$mode-$maker.json" --chain "$WORK/rot-$mode-$maker.jsonl"
    early="$(status_code "$OUT")"
    kez "$checker" "$WORK/empty" --json claim verify "$WORK/rot-late-$mode-$maker.json" --chain "$WORK/rot-$mode-$maker.jsonl"
    late="$(status_code "$OUT")"
    want_late="valid null"; [ "$mode" = compromise ] && want_late="revoked key_compromised"
    if [ "$ok" = 1 ] && [ "$early" = "valid null" ] && [ "$late" = "$want_late" ]; then
      pass "rotate ($mode) $who: seq 1 $early, seq 2 $late"
    else
      fail "rotate ($mode) $who" "ok=$ok early=$early late=$late want $want_late: $(cat "$WORK/stderr")"
    fi
  done

  # 6d. recovery: a thief with the primary key appends a branch; the owner recovers with the
  # committed key; both CLIs pick the owner's branch and report the same evidence.
  home="$WORK/v3-rec-$maker"; thief="$WORK/v3-thief-$maker"
  ok=1
  new_identity "$maker" "$home" nostr || ok=0
  kez "$maker" "$home" claim github:owner-$maker --format json --out "$WORK/rec-owner-$maker.json"; [ "$RC" = 0 ] || ok=0
  copy_store "$home" "$thief"
  kez "$maker" "$thief" claim github:thief-$maker --format json --out "$WORK/rec-thief-$maker.json"; [ "$RC" = 0 ] || ok=0
  kez "$maker" "$thief" sigchain export --out "$WORK/rec-thief-$maker.jsonl"
  rm -f "$home/keys/main.json" "$home/keys/main" 2>/dev/null
  kez "$maker" "$home" sigchain recover --compromised-since 2; [ "$RC" = 0 ] || { ok=0; log "recover: $(cat "$WORK/stderr")"; }
  kez "$maker" "$home" sigchain export --out "$WORK/rec-owner-$maker.jsonl"
  merge_bundles "$WORK/rec-merged-$maker.jsonl" "$WORK/rec-owner-$maker.jsonl" "$WORK/rec-thief-$maker.jsonl"
  kez "$maker" "$WORK/empty" --json sigchain verify "$WORK/rec-merged-$maker.jsonl"; mv_view="$(resolution_view "$OUT")"
  kez "$checker" "$WORK/empty" --json sigchain verify "$WORK/rec-merged-$maker.jsonl"; cv_view="$(resolution_view "$OUT")"
  kez "$checker" "$WORK/empty" --json claim verify "$WORK/rec-owner-$maker.json" --chain "$WORK/rec-merged-$maker.jsonl"; owner_st="$(status_code "$OUT")"
  kez "$checker" "$WORK/empty" --json claim verify "$WORK/rec-thief-$maker.json" --chain "$WORK/rec-merged-$maker.jsonl"; thief_st="$(status_code "$OUT")"
  case "$cv_view" in '["valid",null,2,'*',[[2,'*) resolved=1 ;; *) resolved=0 ;; esac
  if [ "$ok" = 1 ] && [ "$resolved" = 1 ] && [ "$mv_view" = "$cv_view" ] && [ "$owner_st" = "valid null" ] && [ "$thief_st" = "invalid not_in_chain" ]; then
    pass "recovery supersedes a thief's branch $who (same winner and evidence; owner valid, thief not_in_chain)"
  else
    fail "recovery $who" "ok=$ok maker=$mv_view checker=$cv_view owner=$owner_st thief=$thief_st"
  fi

  # 6e. a device request made by one, approved by the other.
  home="$WORK/v3-dev-primary-$checker"; dev="$WORK/v3-dev-device-$maker"
  ok=1
  new_identity "$checker" "$home" ed25519 || ok=0
  kez "$checker" "$home" --json sigchain show; ident="$(jget "$OUT" identity)"
  kez "$maker" "$dev" --json sigchain request-device --identity "$ident" --name laptop; [ "$RC" = 0 ] || ok=0
  req="$(jget "$OUT" request)"; devkey="$(jget "$OUT" key)"
  printf '%s\n' "$req" > "$WORK/devreq-$maker.txt"
  kez "$checker" "$home" --json sigchain approve-device "$WORK/devreq-$maker.txt"; [ "$RC" = 0 ] || ok=0
  kez "$checker" "$home" sigchain export --out "$WORK/devreq-$maker.jsonl"
  kez "$maker" "$WORK/empty" --json sigchain show "$WORK/devreq-$maker.jsonl"
  has_dev="$(printf '%s' "$OUT" | node -e 'let d="";process.stdin.on("data",c=>d+=c).on("end",()=>{const j=JSON.parse(d);process.stdout.write(String((j.devices??[]).some(x=>x.key===process.argv[1]&&x.name==="laptop")))})' "$devkey")"
  if [ "$ok" = 1 ] && [ "$has_dev" = true ] && [ "$(jget "$OUT" status)" = valid ]; then
    pass "device request by $(name_of "$maker"), approved by $(name_of "$checker"), read back by $(name_of "$maker")"
  else
    fail "device request $who" "ok=$ok has_device=$has_dev status=$(jget "$OUT" status): $(cat "$WORK/stderr")"
  fi
done

# ---- 7. pastes (SPEC §8.3): Markdown as editors and web forms leave it ----------------------
# transform FILE OUT MODE — crlf | blanks (spaces/tabs after the fence, payload and closing line)
# | bom | tamper (a signature byte changed, a trailing space added).
transform() {
  node -e '
    const fs = require("fs");
    const [file, out, mode] = process.argv.slice(1);
    let t = fs.readFileSync(file, "utf8");
    const lines = t.split("\n");
    const at = lines.indexOf("```kez");
    if (mode === "crlf") t = t.replaceAll("\n", "\r\n");
    if (mode === "bom") t = "\ufeff" + t;
    if (mode === "blanks" || mode === "tamper") {
      lines[at] += " ";
      lines[at + 1] += mode === "tamper" ? " " : " \t";
      lines[at + 2] += "\t";
      if (mode === "tamper") lines[at + 1] = lines[at + 1].replace(/"sig":"(.)/, (m, c) => m.slice(0, -1) + (c === "0" ? "1" : "0"));
      t = lines.join("\n");
    }
    fs.writeFileSync(out, t);
  ' "$@"
}
for maker in ts rs; do
  checker="$(other "$maker")"
  who="$(name_of "$maker")→$(name_of "$checker")"
  for alg in nostr ed25519; do
    src="$WORK/claim-$maker-$alg.md"
    [ -f "$src" ] || { fail "pastes of $who $alg" "no source claim"; continue; }
    kez "$maker" "$WORK/empty" --json claim verify "$src"; made_obj="$(jget "$OUT" object)"
    for mode in crlf blanks bom; do
      transform "$src" "$WORK/paste-$maker-$alg-$mode.md" "$mode"
      kez "$checker" "$WORK/empty" --json claim verify "$WORK/paste-$maker-$alg-$mode.md" --chain "$WORK/chain-$maker-$alg.jsonl"
      got="$(status_code "$OUT")"; obj="$(jget "$OUT" object)"
      if [ "$got" = "valid null" ] && [ "$RC" = 0 ] && [ "$obj" = "$made_obj" ]; then
        pass "Markdown paste ($mode) $alg $who: valid, the same claim"
      else
        fail "Markdown paste ($mode) $alg $who" "got $got rc=$RC same_object=$([ "$obj" = "$made_obj" ] && echo yes || echo no)"
      fi
    done
    transform "$src" "$WORK/paste-$maker-$alg-tamper.md" tamper
    both_reject "Markdown paste, tampered behind trailing blanks ($alg, $(name_of "$maker")'s claim)" invalid bad_signature claim verify "$WORK/paste-$maker-$alg-tamper.md"
  done
done

# ---- 8. several identities at one place (SPEC §10): the chain's identity's own verdict -------
# A bio naming two identities, in both orders: judged against one identity's chain, the verdict
# is that identity's own (valid, or not_claimed for an account its chain does not claim), the
# other identity is listed, never mixed in (it would be identity_mismatch).
for maker in ts rs; do
  checker="$(other "$maker")"
  who="$(name_of "$maker")→$(name_of "$checker")"
  mine="$WORK/v3-short-$maker"; [ -f "$WORK/short-$maker.txt" ] || { fail "several identities $who" "no short proof"; continue; }
  theirs="$WORK/v3-other-$maker"
  if ! new_identity "$maker" "$theirs" ed25519; then fail "several identities $who" "no second identity"; continue; fi
  kez "$maker" "$theirs" claim github:short-$maker --format short --out "$WORK/other-short-$maker.txt"
  a="$(cat "$WORK/short-$maker.txt")"; b="$(cat "$WORK/other-short-$maker.txt")"
  for order in ab ba; do
    if [ "$order" = ab ]; then text="old: $b now: $a"; else text="now: $a old: $b"; fi
    both_judge "two identities in one bio ($order), the chain's own valid ($who)" valid null verify short "$text" --subject github:short-$maker --bundle "$WORK/short-$maker.jsonl"
    both_reject "two identities in one bio ($order), the chain's own not_claimed ($who)" not_found not_claimed verify short "$text" --subject github:nobody-$maker --bundle "$WORK/short-$maker.jsonl"
    printf '%s\n' "$text" > "$WORK/two-ids-$maker-$order.txt"
    both_reject "two identities in a file ($order), claim verify --subject ($who)" not_found not_claimed claim verify "$WORK/two-ids-$maker-$order.txt" --chain "$WORK/short-$maker.jsonl" --subject github:nobody-$maker
  done
done

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
