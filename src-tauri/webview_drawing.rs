//! How the window's web view draws on Linux. WebKitGTK composites a page on the GPU (through
//! OpenGL, Mesa's llvmpipe where there is no GPU driver) once the page has layers of its own, and
//! the compositing buffers are most of what Hearth's idle window costs: 217 MiB PSS for the web
//! process against 125 MiB without them (bench/RESULTS.md, 2026-12-04), below a blank WebKitGTK
//! page's 150 MiB. Hearth's pages are text, forms and small charts, which draw as fast without, so
//! the web view is set never to composite on the GPU. `HEARTH_WEBVIEW_GPU=1` leaves WebKit's
//! default (on demand) for a user who wants it back.

/// Sets the main window's drawing policy; a failure leaves WebKit's default and is only logged.
#[cfg(target_os = "linux")]
pub fn draw_without_gpu_compositing<R: tauri::Runtime>(app: &tauri::App<R>) {
    use tauri::Manager;
    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
    if std::env::var_os("HEARTH_WEBVIEW_GPU").is_some_and(|v| v == "1") {
        return;
    }
    let Some(window) = app.get_webview_window("main") else { return };
    let applied = window.with_webview(|webview| {
        if let Some(settings) = webview.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
    if let Err(e) = applied {
        eprintln!("Hearth could not set the window's drawing policy (WebKit's default stays): {e}");
    }
}

/// Other systems' web views (WebView2, WKWebView) keep their own drawing.
#[cfg(not(target_os = "linux"))]
pub fn draw_without_gpu_compositing<R: tauri::Runtime>(_app: &tauri::App<R>) {}
