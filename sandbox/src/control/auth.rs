//! Control calls for authorization tests.

use serde_json::{Value, json};

use super::{ControlClient, ControlError};

impl ControlClient {
    /// The seller removes the app on TikTok: every access and refresh token stops working.
    pub async fn tiktok_revoke_grant(&self) -> Result<(), ControlError> {
        let _: Value = self
            .post(format!("{}/_sandbox/grant/revoke", self.tiktok), &json!({}))
            .await?;
        Ok(())
    }
}
