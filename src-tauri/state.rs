//! What the shell holds: one [`hearth_core::Core`] for the app's lifetime (Tauri's managed state).

pub use hearth_core::{engine_executable, Core as AppState};
