//! The flags that say where a model's layers go, shared by every command that loads a model for
//! the user (`chat`, `ask`, `serve`, `bench`).

use clap::Args;

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
