"""Placeholder until the W&B converter lands."""
from __future__ import annotations
def is_wandb_sweep(data):
    return False
def wandb_to_native(doc):
    return doc
