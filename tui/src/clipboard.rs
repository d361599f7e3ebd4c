//! Copying to the clipboard of the terminal the console runs in, wherever that is (over SSH
//! too): the OSC 52 escape sequence asks the terminal itself to set its clipboard.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::io::{self, Write};

/// `ESC ] 52 ; c ; <base64 of text> BEL`.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", STANDARD.encode(text))
}

/// Write the sequence that puts `text` on the clipboard to the terminal `out`.
pub fn copy(out: &mut impl Write, text: &str) -> io::Result<()> {
    out.write_all(osc52(text).as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_carries_the_text_in_base64() {
        assert_eq!(osc52("576461413"), "\x1b]52;c;NTc2NDYxNDEz\x07");
        let mut out = Vec::new();
        copy(&mut out, "demo-us").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out, b"\x1b]52;c;ZGVtby11cw==\x07");
    }
}
