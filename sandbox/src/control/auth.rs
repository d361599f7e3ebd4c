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

    /// The seller deauthorizes the app in Seller Center: tokens stop working as with a revoke,
    /// and SELLER_DEAUTHORIZATION (type 6) is sent.
    pub async fn tiktok_deauthorize(&self) -> Result<(), ControlError> {
        let _: Value = self
            .post(
                format!("{}/_sandbox/grant/deauthorize", self.tiktok),
                &json!({}),
            )
            .await?;
        Ok(())
    }

    /// The authorization ends in `days` days (1-30): UPCOMING_AUTHORIZATION_EXPIRATION
    /// (type 7) is sent. Returns the expiration time (Unix seconds).
    pub async fn tiktok_authorization_expiring(&self, days: i64) -> Result<i64, ControlError> {
        let v: Value = self
            .post(
                format!("{}/_sandbox/grant/expiring", self.tiktok),
                &json!({"days": days}),
            )
            .await?;
        Ok(v["expiration_time"].as_i64().unwrap_or_default())
    }
}
