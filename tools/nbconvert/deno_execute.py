"""nbconvert ExecutePreprocessor that keeps reading IOPub briefly after a cell goes idle.

Why: the Deno kernel (checked with deno 2.9.6) publishes `status: idle` for a cell before it
has flushed every `display_data` the cell queued (`await Deno.jupyter.display(...)` resolves
once the message is queued, not sent). Stock nbclient stops reading at `idle`, so late
outputs are dropped, or, since Deno stamps the parent header when a message is actually sent,
they land in the *next* cell. `--ExecutePreprocessor.iopub_timeout` does not help: it only
bounds the wait *for* `idle`, which here comes too early.

Fix: after `idle`, keep processing this cell's IOPub messages until none has arrived for
`iopub_grace` seconds. The next execute_request is not sent meanwhile, so the late messages
still carry this cell's parent header. The whole wait (idle + grace) must fit in
`iopub_timeout` (default 4 s), which starts at execute_reply; raise it for big bursts.

Use (nbconvert 6.x/7.x, nbclient 0.7+):

    PYTHONPATH=tools/nbconvert /usr/bin/python3 -m nbconvert --config tools/nbconvert/nbconvert_deno.py \
        --to notebook --output executed.ipynb notebook.ipynb
"""
from queue import Empty

from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async
from nbconvert.preprocessors import ExecutePreprocessor
from traitlets import Float


class DenoExecutePreprocessor(ExecutePreprocessor):
    """ExecutePreprocessor with a quiet-period drain of IOPub after each cell's idle."""

    iopub_grace = Float(
        0.5,
        help="Seconds of IOPub silence to wait for after a cell reports idle.",
    ).tag(config=True)

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=self.iopub_grace))
            except Empty:
                return
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    pass  # a repeated idle; keep draining until quiet
