"""A command objective for the multi-fidelity tests: prints ``{"step": s, "value": v}`` per step
up to step 9, then the final value, continuing from ``$HPSEARCH_CHECKPOINT_DIR/state.json``."""

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
    step = json.loads(state.read_text())["step"] if state.exists() else 0
    value = 0.0
    while step < 9:
        step += 1
        value = (args.x - 0.3) ** 2 + 1.0 / step
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_text(json.dumps({"step": step}))
        print(json.dumps({"step": step, "value": value}), flush=True)
        time.sleep(0.02)
    print(value)


if __name__ == "__main__":
    main()
