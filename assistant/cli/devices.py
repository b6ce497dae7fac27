"""`assistant devices simulate`: serve the registry's devices as virtual devices."""

from __future__ import annotations

from pathlib import Path

import typer

from assistant.cli._printer import console

devices_app = typer.Typer(help="Devices: the registry and the simulator.", no_args_is_help=True)


@devices_app.command("simulate")
def simulate_cmd(
    registry: Path = typer.Option(Path("devices.yaml"), "--registry", help="devices.yaml"),
    base_port: int = typer.Option(5100, "--base-port",
                                  help="device i listens on base-port + i (0: any free port)"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
) -> None:
    """Run every device of the registry as a simulated device until Ctrl-C."""
    from assistant.actions.simulator import DeviceSimulator, run_simulator

    def ready(sim: DeviceSimulator) -> None:
        console.print(f"simulating {len(sim.endpoints)} devices; Ctrl-C to stop", markup=False,
                      soft_wrap=True)
        for line in sim.summary():
            console.print("  " + line, markup=False, soft_wrap=True)

    run_simulator(registry, base_port, host=host, on_ready=ready)
