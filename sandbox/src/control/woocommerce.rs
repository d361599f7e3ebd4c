//! Control calls for the woocommerce simulator.

#[allow(unused_imports)]
use super::{ControlClient, ControlError};
