//! Zed extension: the `wasmdbg` debug adapter. Zed starts debug adapters
//! that an extension registers; this one runs `wasmdbg dap` (found on the
//! worktree's PATH, or the path the user set) and passes the debug
//! scenario's configuration to its `launch` request unchanged, so the
//! launch keys are wasmdbg's own (README, "Editors: `wasmdbg dap`").

use zed_extension_api::{
    self as zed, serde_json, DebugAdapterBinary, DebugConfig, DebugRequest, DebugScenario,
    DebugTaskDefinition, StartDebuggingRequestArguments, StartDebuggingRequestArgumentsRequest,
    Worktree,
};

struct Wasmdbg;

impl zed::Extension for Wasmdbg {
    fn new() -> Self {
        Wasmdbg
    }

    fn get_dap_binary(
        &mut self,
        adapter_name: String,
        config: DebugTaskDefinition,
        user_provided_debug_adapter_path: Option<String>,
        worktree: &Worktree,
    ) -> Result<DebugAdapterBinary, String> {
        let command = user_provided_debug_adapter_path
            .or_else(|| worktree.which("wasmdbg"))
            .ok_or("wasmdbg is not on PATH: install it with `cargo install --path .` in its repository")?;
        let json: serde_json::Value = serde_json::from_str(&config.config)
            .map_err(|e| format!("the debug configuration is not JSON: {e}"))?;
        let request = self.dap_request_kind(adapter_name, json)?;
        Ok(DebugAdapterBinary {
            command: Some(command),
            arguments: vec!["dap".into()],
            envs: Vec::new(),
            cwd: Some(worktree.root_path()),
            connection: None,
            request_args: StartDebuggingRequestArguments {
                configuration: config.config,
                request,
            },
        })
    }

    fn dap_request_kind(
        &mut self,
        _adapter_name: String,
        config: serde_json::Value,
    ) -> Result<StartDebuggingRequestArgumentsRequest, String> {
        match config.get("request").and_then(|r| r.as_str()) {
            Some("launch") | None => Ok(StartDebuggingRequestArgumentsRequest::Launch),
            Some("attach") => {
                Err("wasmdbg starts the program itself: use \"request\": \"launch\"".into())
            }
            Some(other) => Err(format!("unknown request {other:?}: use \"launch\"")),
        }
    }

    fn dap_config_to_scenario(&mut self, config: DebugConfig) -> Result<DebugScenario, String> {
        let DebugRequest::Launch(launch) = config.request else {
            return Err("wasmdbg starts the program itself: attaching is not supported".into());
        };
        let env: serde_json::Map<String, serde_json::Value> = launch
            .envs
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
        let mut launch_config = serde_json::json!({
            "request": "launch",
            "program": launch.program,
            "args": launch.args,
            "env": env,
            "stopOnEntry": config.stop_on_entry.unwrap_or(false),
        });
        if let Some(cwd) = launch.cwd {
            launch_config["cwd"] = serde_json::Value::String(cwd);
        }
        Ok(DebugScenario {
            label: config.label,
            adapter: config.adapter,
            build: None,
            config: launch_config.to_string(),
            tcp_connection: None,
        })
    }
}

zed::register_extension!(Wasmdbg);
