//! Enables the third-party vector tests only when ../shared/vectors (relative to the repo
//! root) exists; otherwise they are reported as ignored, never as passed.
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors");
    println!("cargo::rustc-check-cfg=cfg(shared_vectors)");
    println!("cargo::rerun-if-changed={}", dir.display());
    if dir.is_dir() {
        println!("cargo::rustc-cfg=shared_vectors");
    } else {
        println!("cargo::warning=SKIPPED: ../shared/vectors not found (third-party vector tests are ignored)");
    }
}
