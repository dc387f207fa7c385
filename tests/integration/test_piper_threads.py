"""The Piper voice runs on the threads the scheduler gives it, not on onnxruntime's default."""

from __future__ import annotations

import pytest

from llmos.capabilities.base import LoadContext
from llmos.kernel import default_registry
from tests.conftest import MODELS_DIR

pytestmark = pytest.mark.slow


def test_the_voice_session_uses_the_threads_it_was_given():
    spec = default_registry().resolve("speak", None)
    speaker = spec.load(LoadContext(threads=1, data_dir=MODELS_DIR))
    try:
        assert speaker._voice.session.get_session_options().intra_op_num_threads == 1
        pcm = speaker.say("Hello there.", speed=1.0)
        assert len(pcm) > speaker.sample_rate  # more than half a second of 16-bit audio
    finally:
        speaker.close()
