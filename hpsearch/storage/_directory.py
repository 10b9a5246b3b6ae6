"""A sweep directory: the one place that knows its file names, its metadata and its study.

Layout::

    DIR/space.yaml       the sweep's config (native format), written on the first run
    DIR/sweep.json       metadata: name, base_dir (relative paths start there), storage URL
    DIR/study.journal    the study (an Optuna journal file), unless a storage URL is set
    DIR/trials.csv       the trial table          DIR/best.yaml    the best config(s)
    DIR/report.html      the report               DIR/logs/        tracebacks of failed trials
    DIR/trials/<n>/      each trial's own folder  DIR/.lock        held by the running driver
    DIR/predictions/     the row index of stored out-of-fold predictions (``ensemble:``)
    DIR/ensemble.yaml    the ensemble ``hpsearch ensemble`` built
    DIR/final_ensemble/  its members trained on all the data (``retrain --ensemble``)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import optuna
import yaml

from hpsearch._version import __version__
from hpsearch.config import SweepConfig, read_config
from hpsearch.errors import ConfigError
from hpsearch.storage._journal import SweepJournal, SweepLock
from hpsearch.storage._outputs import BEST_FILE, TRIALS_FILE, write_atomic
from hpsearch.storage._reader import JournalReader, open_journal_storage

__all__ = ["SweepDirectory"]


class SweepDirectory:
    """One sweep's folder on disk.

    Example:
        >>> import tempfile
        >>> sweep = SweepDirectory(tempfile.mkdtemp())
        >>> sweep.exists(), sweep.trial_dir(3).name
        (False, '3')
    """

    SPACE_FILE = "space.yaml"
    META_FILE = "sweep.json"
    JOURNAL_FILE = "study.journal"
    TRIALS_FILE = TRIALS_FILE
    BEST_FILE = BEST_FILE
    REPORT_FILE = "report.html"
    LOGS_DIR = "logs"
    TRIALS_DIR = "trials"
    CHECKPOINT_DIR = "checkpoint"
    PREDICTIONS_DIR = "predictions"  # = hpsearch.objectives._oof_index.INDEX_DIR (tested)
    ENSEMBLE_FILE = "ensemble.yaml"
    ENSEMBLE_MODEL_DIR = "final_ensemble"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"SweepDirectory({str(self.path)!r})"

    # -- names ---------------------------------------------------------------------------
    @property
    def space_file(self) -> Path:
        return self.path / self.SPACE_FILE

    @property
    def meta_file(self) -> Path:
        return self.path / self.META_FILE

    @property
    def journal_file(self) -> Path:
        return self.path / self.JOURNAL_FILE

    @property
    def trials_file(self) -> Path:
        return self.path / self.TRIALS_FILE

    @property
    def best_file(self) -> Path:
        return self.path / self.BEST_FILE

    @property
    def report_file(self) -> Path:
        return self.path / self.REPORT_FILE

    @property
    def logs_dir(self) -> Path:
        return self.path / self.LOGS_DIR

    @property
    def predictions_dir(self) -> Path:
        return self.path / self.PREDICTIONS_DIR

    @property
    def ensemble_file(self) -> Path:
        return self.path / self.ENSEMBLE_FILE

    @property
    def ensemble_model_dir(self) -> Path:
        return self.path / self.ENSEMBLE_MODEL_DIR

    def trial_dir(self, number: int) -> Path:
        """Trial ``number``'s own folder (checkpoints, predictions, program logs)."""
        return self.path / self.TRIALS_DIR / str(number)

    def checkpoint_dir(self, number: int) -> Path:
        """The resumable-state folder of the trial first run as ``number`` (its retries share
        it)."""
        return self.trial_dir(number) / self.CHECKPOINT_DIR

    def exists(self) -> bool:
        """Whether a sweep was started here (its ``space.yaml`` exists)."""
        return self.space_file.exists()

    # -- config and metadata ------------------------------------------------------------------
    def read_config(self) -> SweepConfig:
        """The config stored by the first run.

        Raises:
            ConfigError: no sweep here.
        """
        if not self.exists():
            raise ConfigError(
                f"{self.path} holds no sweep (no {self.SPACE_FILE})", file=str(self.path)
            )
        return read_config(self.space_file)

    def read_meta(self) -> dict[str, Any]:
        """The contents of ``sweep.json`` (``{}`` when there is none).

        Raises:
            ConfigError: the file is not valid JSON.
        """
        if not self.meta_file.exists():
            return {}
        try:
            meta = json.loads(self.meta_file.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ConfigError(
                f"unreadable metadata ({exc}); restore it or delete it to use the defaults",
                file=str(self.meta_file),
            ) from None
        return meta if isinstance(meta, dict) else {}

    @property
    def base_dir(self) -> str:
        """The folder relative paths of the config start from (the space file's folder)."""
        return str(self.read_meta().get("base_dir") or self.path)

    @property
    def storage_url(self) -> str | None:
        return self.read_meta().get("storage") or None

    def prepare(
        self, config: SweepConfig, *, source_dir: str | None, storage: str | None
    ) -> dict[str, Any]:
        """Write ``space.yaml`` and ``sweep.json`` on the first run; on later runs, check the
        config still describes the same sweep (parameters and metrics). Returns the metadata.

        Raises:
            ConfigError: the directory holds a sweep over other parameters or metrics.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        if self.exists():
            stored = self.read_config()
            if stored.space.to_dict() != config.space.to_dict():
                raise ConfigError(
                    f"{self.path} holds a sweep over different parameters; use another "
                    "--out directory (or delete it to start over)",
                    file=config.source,
                )
            if stored.metrics != config.metrics:
                raise ConfigError(
                    f"{self.path} holds a sweep with other metrics; use another --out directory",
                    file=config.source,
                )
        text = yaml.safe_dump(config.to_dict(), sort_keys=False, allow_unicode=True)
        write_atomic(self.space_file, text)
        meta = self.read_meta()
        meta.setdefault("base_dir", source_dir or os.getcwd())
        meta.setdefault("name", config.name)
        if storage:
            meta["storage"] = storage
        meta["hpsearch_version"] = __version__
        write_atomic(self.meta_file, json.dumps(meta, indent=2))
        return meta

    # -- the study ------------------------------------------------------------------------
    def lock(self) -> SweepLock:
        """The exclusive lock a driver holds while it runs this sweep."""
        return SweepLock(self.path)

    def open_storage(
        self, url: str | None = None
    ) -> tuple[optuna.storages.BaseStorage, SweepJournal | None]:
        """The study's storage for the driver (the only writer): the URL given or stored, or
        the journal file, and that journal (``None`` for a URL).

        A torn last line of the journal is dropped and kept aside (``journal.torn_file``).

        Raises:
            StudyDamagedError: another line of the journal is unreadable (nothing is changed).
        """
        url = url or self.storage_url
        if url:
            try:
                return optuna.storages.get_storage(url), None
            except Exception as exc:  # sqlalchemy's errors: a driver missing, no such database
                detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise ConfigError(f"cannot open the storage {url}: {detail}") from None
        journal = SweepJournal(self.journal_file)
        return open_journal_storage(journal), journal

    def load_study(self) -> tuple[optuna.Study, SweepConfig]:
        """The stored study and config, for reading (never written; works while a sweep runs:
        a half-written last line is skipped).

        Raises:
            ConfigError: no sweep, or no study yet (also while its sweep is starting).
            StudyDamagedError: the journal has an unreadable line before its last one.
        """
        config = self.read_config()
        url = self.storage_url
        if url:
            storage: Any = url
        elif self.journal_file.exists():
            storage = open_journal_storage(JournalReader(self.journal_file))
        else:
            raise ConfigError(
                f"{self.path} holds no study (no {self.JOURNAL_FILE})", file=str(self.path)
            )
        try:
            return optuna.load_study(study_name=config.name, storage=storage), config
        except KeyError:  # the driver has opened the journal but not yet created the study
            raise ConfigError(
                f"{self.path} holds no study yet (its sweep is starting)", file=str(self.path)
            ) from None
