"""The Pulumi program: load stacks/<stack>.yaml, build its resources, export a summary."""

import sys
from pathlib import Path

import pulumi

from shopstream.program.build import build_stack, scan_claims
from shopstream.stackfile.load import StackFileError, load_stack_file, stack_file_path

# pulumi-language-python-exec's code for "exited after showing the user an actionable message": the
# language host then reports no second, generic error.
EXIT_AFTER_USER_MESSAGE = 32

PROJECT_DIR = Path(__file__).resolve().parent

try:
    spec = load_stack_file(stack_file_path(PROJECT_DIR, pulumi.get_stack()))
except StackFileError as error:
    # A mistake in the user's YAML: one clear message and a non-zero exit, no traceback.
    pulumi.log.error(str(error))
    sys.exit(EXIT_AFTER_USER_MESSAGE)

for key, value in build_stack(spec, scan_claims(PROJECT_DIR)).items():
    pulumi.export(key, value)
