//! Control calls for the amazon simulator.

#[allow(unused_imports)]
use super::{ControlClient, ControlError};
