"""Desired state per environment: ``stacks/<stack>.yaml`` loading, validation and JSON Schema."""

from .errors import Problem, StackFileError
from .load import load_stack_file, stack_file_path
from .model import ShopSpec, StackSpec, TopicSpec
from .schema import SCHEMA_FILE

__all__ = [
    "SCHEMA_FILE",
    "Problem",
    "ShopSpec",
    "StackFileError",
    "StackSpec",
    "TopicSpec",
    "load_stack_file",
    "stack_file_path",
]
