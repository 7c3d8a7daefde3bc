# nbconvert config used by `deno task report`: execute with DenoExecutePreprocessor (see
# deno_execute.py: the Deno kernel reports a cell idle before every display it queued has been
# sent, and stock nbconvert drops those outputs). Needs deno_execute.py importable
# (PYTHONPATH=<this folder>). Do not also pass --execute.
c = get_config()  # noqa: F821 (provided by traitlets when loading the config file)
c.NotebookExporter.preprocessors = ["deno_execute.DenoExecutePreprocessor"]
c.DenoExecutePreprocessor.enabled = True
c.DenoExecutePreprocessor.iopub_grace = 0.5
c.DenoExecutePreprocessor.iopub_timeout = 30
c.DenoExecutePreprocessor.timeout = None  # training cells may run for hours (full profile)
c.DenoExecutePreprocessor.allow_errors = True  # the report task finds and names failing cells
c.DenoExecutePreprocessor.kernel_name = "deno"
