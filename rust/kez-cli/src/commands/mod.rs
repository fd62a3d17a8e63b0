pub mod bench;
pub mod claim;
pub mod key;
pub mod sigchain;
