//! The flags that say where a model's layers go, shared by every command that loads a model for
//! the user (`chat`, `ask`, `serve`, `bench`).

use std::path::Path;

use clap::Args;
use hearth_core::settings::{launch_settings, SettingsOverrides};
use hearth_protocol::ModelSettings;
use hearth_store::{HearthHome, Store};

#[derive(Args, Clone)]
pub struct PlacementArgs {
    /// Layers on the GPU (default: all of them).
    #[arg(long = "gpu-layers")]
    pub gpu_layers: Option<u32>,
    /// The devices the GPU layers go to, by llama.cpp's names (`hearth devices` lists them), e.g.
    /// `--device Vulkan0` or `--device CUDA0,CUDA1`; `--device CPU` keeps the model on the CPU.
    #[arg(long = "device", value_name = "NAME[,NAME]", value_delimiter = ',')]
    pub devices: Vec<String>,
}

impl PlacementArgs {
    /// These flags with the context and thread flags of the command, as overrides.
    pub fn overrides(&self, context_length: Option<u32>, threads: Option<u32>) -> SettingsOverrides {
        SettingsOverrides { context_length, threads, gpu_layers: self.gpu_layers, devices: self.devices.clone() }
    }
}

/// The settings a command loads `model` with: those the app saved for the file (in
/// `$HEARTH_HOME`'s database, when there is one), each flag given winning over its saved value.
pub fn launch_settings_for(model: &Path, flags: &SettingsOverrides) -> anyhow::Result<ModelSettings> {
    let database = HearthHome::from_env().database();
    if !database.is_file() {
        // Nothing saved yet: no database is made just to find that out.
        return Ok(flags.apply(ModelSettings::default()));
    }
    let store = Store::open(&database)?;
    Ok(launch_settings(&store, model, flags)?)
}
