"""A command objective for the multi-fidelity tests: prints ``{"step": s, "value": v}`` per step
up to step 9, then the final value, continuing from ``$HPSEARCH_CHECKPOINT_DIR/state.json``.

A program is stopped when the driver reads the line of its rung's step, so it may have run a
step or two further by then: its state file can be ahead of the rung."""

import argparse
import json
import os
import pathlib
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--x", type=float)
    args = parser.parse_args()
    state = pathlib.Path(os.environ["HPSEARCH_CHECKPOINT_DIR"]) / "state.json"
    saved = json.loads(state.read_text()) if state.exists() else {"step": 0, "value": None}
    step, value = saved["step"], saved["value"]
    while step < 9:
        step += 1
        value = (args.x - 0.3) ** 2 + 1.0 / step
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_text(json.dumps({"step": step, "value": value}))
        print(json.dumps({"step": step, "value": value}), flush=True)
        time.sleep(0.05)  # the driver stops the program once it reads its rung's step
    print(value)


if __name__ == "__main__":
    main()
