pub mod bench;
pub mod claim;
pub mod device;
pub mod key;
pub mod sigchain;
pub mod verify;
