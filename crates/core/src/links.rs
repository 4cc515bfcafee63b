//! Links in answers open in the system's browser or mail program, never in Hearth's window: an
//! answer is untrusted text, and a page loaded in the main window would get the app's IPC. Only
//! `http`, `https` and `mailto` links are opened; anything else (`file:`, `javascript:`, custom
//! schemes that start programs) is refused with the reason.

use hearth_protocol::ErrorCode;

use crate::{CoreError, Result};

const SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// `Ok(url)` when `url` is a link Hearth opens.
pub fn allowed_link(url: &str) -> Result<&str> {
    let url = url.trim();
    let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default();
    if !SCHEMES.contains(&scheme.as_str()) || url.len() > 8192 || url.chars().any(char::is_control) {
        let shown: String = url.chars().take(80).collect();
        return Err(CoreError::new(ErrorCode::BadRequest, format!("only web and mail links are opened, not {shown:?}")));
    }
    Ok(url)
}

/// Opens `url` with the desktop's handler (xdg-open, open, or the Windows shell), as one argument.
pub fn open_link(url: &str) -> Result<()> {
    let url = allowed_link(url)?;
    let mut cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(target_os = "windows") {
        std::process::Command::new("explorer")
    } else {
        std::process::Command::new("xdg-open")
    };
    cmd.arg(url);
    crate::app_core::launch_detached(cmd, "browser")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_mail_links_are_opened() {
        for ok in ["https://example.org/a?b=1", "http://localhost:8080", "mailto:someone@example.org", "HTTPS://EXAMPLE.ORG"] {
            assert!(allowed_link(ok).is_ok(), "{ok}");
        }
        for bad in ["javascript:alert(1)", "file:///etc/passwd", "steam://run/1", "data:text/html,hi", "no scheme", "https://x\n.org"] {
            let err = allowed_link(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::BadRequest, "{bad}");
        }
    }
}
