// @kez/core public API (see README.md).
export {
  type Status,
  type Code,
  KezError,
  isKezError,
  statusOf,
  CODES,
  STATUSES,
} from './errors.js';
export { type Verdict, valid, verdictOf } from './verdict.js';
export {
  toHex,
  fromHex,
  b64uEncode,
  b64uDecode,
  utf8Encode,
  utf8Decode,
  sha256Hex,
  concatBytes,
} from './bytes.js';
export { canonicalize, canonicalBytes, parseCanonical } from './jcs.js';
export * from './limits.js';
export {
  IDENTITY_PREFIX,
  IDENTITY_ID_RE,
  isIdentityId,
  identityHex,
  identityIdOf,
} from './identity-id.js';
export {
  type ShortProof,
  MAX_SHORT_PROOF_BYTES,
  MAX_HOME_BYTES,
  MAX_SHORT_PROOFS,
  formatShortProof,
  findShortProofs,
  judgeShortProof,
} from './short-proof.js';
export { BoundedCache, type WeightBudget } from './bounded-cache.js';
export { ED25519_SPKI_PREFIX_HEX, ed25519SpkiDer } from './ed25519-spki.js';
export { type Primitives, purePrimitives, setPrimitives, getPrimitives } from './primitives.js';
export { checkZstdFrame, type ZstdFrameInfo } from './encodings/zstd-frame.js';
export { type SuiteName, type Suite, ed25519, bip340, suites } from './suites.js';
export {
  type ParsedKeyId,
  type Signer,
  parseKeyId,
  normalizeKeyId,
  signerFromSecret,
  nsecDecode,
  nsecEncode,
  commitment,
} from './keys.js';
export {
  CHANNELS,
  type Channel,
  type Subject,
  parseSubject,
  isCanonicalSubject,
  normalizeDomain,
} from './subjects.js';
export {
  type Claim,
  type ChainEvent,
  type EventOp,
  type Login,
  type DeviceRequest,
  type SignedObject,
  type Version,
  VERSION,
  VERSIONS,
  parseObject,
} from './objects.js';
export {
  CONTEXT_KINDS,
  signingContext,
  signingInput,
  reverseSigningInput,
  objectHash,
  signObject,
  verifyObject,
} from './signing.js';
export * from './encodings/index.js';
export { createClaim, verifyClaim, claimStatus } from './claim.js';
export { checkLocator } from './locators.js';
export {
  type ChainState,
  type ClaimEntry,
  type DeviceEntry,
  type Retirement,
  type RetirementCode,
  cloneChainState,
} from './chain-state.js';
export {
  type Candidate,
  type ChainFolder,
  type Vouch,
  createFolder,
  applyEvent,
} from './chain-folder.js';
export {
  type SignatureKind,
  type EventSignatures,
  type SignatureResults,
  SIGNATURE_KINDS,
  eventSignatures,
} from './signature-results.js';
export {
  createGenesis,
  addClaim,
  revokeClaim,
  rotateKey,
  recoverKey,
  addDevice,
  approveDevice,
  revokeDevice,
} from './sigchain.js';
export {
  createDeviceRequest,
  readDeviceRequest,
  verifyDeviceRequest,
  requestMismatch,
} from './device-request.js';
export { type ChainResult, type Superseded, resolveChain } from './chain-resolver.js';
export { verifyChain, exportBundle, parseBundle, compareHeads } from './bundle.js';
export {
  createLogin,
  verifyLogin,
  checkLoginOffline,
  checkLoginAgainstChain,
  type CheckedLogin,
} from './login.js';
