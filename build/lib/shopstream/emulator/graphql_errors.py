"""Top-level GraphQL errors in Shopify's shapes (graphql-ruby's), from graphql-core's findings (ref. §4.5).

graphql-core parses and validates; this module re-words what it finds the way Shopify answers, with
``locations``, a graphql-ruby ``path`` (``["mutation Name", "field", "argument"]``) and ``extensions.code``:

* syntax errors -> ``Parse error on "}" (RCURLY) at [1, 12]`` (``Unexpected end of document`` at the end);
* each validation rule that Shopify's wording is known for (unknown field, unknown argument, invalid literal
  such as an unknown topic enum, missing required argument, selections on scalars or missing, undefined and
  unused variables, unknown variable types, variable type mismatch); other rules keep graphql-core's message;
* invalid variable values -> ``Variable $topic of type WebhookSubscriptionTopic! was provided invalid value``
  with ``extensions {code: INVALID_VARIABLE, value, problems: [{path, explanation}]}``, as captured.

Wordings not in the captures follow graphql-ruby (UNCONFIRMED for Shopify specifically).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    Node,
    OperationDefinitionNode,
    Token,
    TokenKind,
    TypeInfo,
    TypeInfoVisitor,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    print_ast,
    type_from_ast,
    validate,
    visit,
)
from graphql.language import Lexer, Source
from graphql.validation import (
    FieldsOnCorrectTypeRule,
    KnownArgumentNamesRule,
    KnownTypeNamesRule,
    NoUndefinedVariablesRule,
    NoUnusedVariablesRule,
    ProvidedRequiredArgumentsRule,
    ScalarLeafsRule,
    ValuesOfCorrectTypeRule,
    VariablesAreInputTypesRule,
    VariablesInAllowedPositionRule,
    specified_rules,
)

ErrorJSON = dict[str, Any]

# graphql-ruby's token names, as its parse errors print them.
_RUBY_TOKENS: dict[TokenKind, str] = {
    TokenKind.BANG: "BANG",
    TokenKind.DOLLAR: "VAR_SIGN",
    TokenKind.AMP: "AMP",
    TokenKind.PAREN_L: "LPAREN",
    TokenKind.PAREN_R: "RPAREN",
    TokenKind.SPREAD: "ELLIPSIS",
    TokenKind.COLON: "COLON",
    TokenKind.EQUALS: "EQUALS",
    TokenKind.AT: "DIR_SIGN",
    TokenKind.BRACKET_L: "LBRACKET",
    TokenKind.BRACKET_R: "RBRACKET",
    TokenKind.BRACE_L: "LCURLY",
    TokenKind.PIPE: "PIPE",
    TokenKind.BRACE_R: "RCURLY",
    TokenKind.NAME: "IDENTIFIER",
    TokenKind.INT: "INT",
    TokenKind.FLOAT: "FLOAT",
    TokenKind.STRING: "STRING",
    TokenKind.BLOCK_STRING: "STRING",
}


def _location(node: Node | None) -> list[dict[str, int]]:
    if node is None or node.loc is None:
        return []
    where = node.loc.source.get_location(node.loc.start)
    return [{"line": where.line, "column": where.column}]


def _error(
    message: str, node: Node | None, path: list[str] | None, extensions: dict[str, Any] | None
) -> ErrorJSON:
    body: ErrorJSON = {"message": message}
    locations = _location(node)
    if locations:
        body["locations"] = locations
    if path is not None:
        body["path"] = path
    if extensions is not None:
        body["extensions"] = extensions
    return body


# --- syntax -------------------------------------------------------------------------------------------------


def syntax_error(source: str, error: GraphQLError) -> ErrorJSON:
    """A parse failure the way graphql-ruby reports it: the token found where parsing stopped."""
    positions = list(error.positions or ())
    position = positions[0] if positions else len(source)
    line, column = (error.locations[0].line, error.locations[0].column) if error.locations else (1, 1)
    token = _token_at(source, position)
    if token is None or token.kind == TokenKind.EOF:
        message = "Unexpected end of document"
    else:
        text = token.value if token.value is not None else token.kind.value
        message = (
            f'Parse error on "{text}" ({_RUBY_TOKENS.get(token.kind, "UNKNOWN_CHAR")}) at [{line}, {column}]'
        )
    return {"message": message, "locations": [{"line": line, "column": column}]}


def _token_at(source: str, position: int) -> Token | None:
    lexer = Lexer(Source(source))
    try:
        for _ in range(len(source) + 2):  # bounded: every token advances by at least one character
            token = lexer.advance()
            if token.kind == TokenKind.EOF or token.end > position:
                return token
    except GraphQLError:  # an invalid character: graphql-ruby says UNKNOWN_CHAR
        return None
    return None


# --- what each node is: path, field, argument ------------------------------------------------------------


@dataclass
class _Where:
    path: list[str]
    field: FieldNode | None = None
    field_type: str | None = None  # the field's return type, e.g. "WebhookSubscriptionConnection!"
    parent_type: str | None = None
    argument: ArgumentNode | None = None
    argument_type: str | None = None
    operation: str = "anonymous query"  # graphql-ruby's name of the operation in messages
    variable: VariableDefinitionNode | None = None  # inside a variable definition


def _operation_label(node: OperationDefinitionNode) -> str:
    kind = node.operation.value
    return f"{kind} {node.name.value}" if node.name else kind


class _Indexer(Visitor):
    """Records, for every node of the document, where it is (graphql-ruby's path and its field/argument)."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.where: dict[int, _Where] = {}
        self.stack: list[_Where] = [_Where(path=[])]

    def enter(self, node: Node, *_args: Any) -> None:
        top = self.stack[-1]
        here = _Where(
            list(top.path),
            top.field,
            top.field_type,
            top.parent_type,
            top.argument,
            top.argument_type,
            top.operation,
            top.variable,
        )
        if isinstance(node, OperationDefinitionNode):
            here.path = [_operation_label(node)]
            here.operation = f"{node.name.value}" if node.name else f"anonymous {node.operation.value}"
        elif isinstance(node, FragmentDefinitionNode):
            here.path = [f"fragment {node.name.value}"]
            here.operation = f"fragment {node.name.value}"
        elif isinstance(node, FieldNode):
            parent = self.type_info.get_parent_type()
            field_type = self.type_info.get_type()
            here.path = [*top.path, node.name.value]
            here.field, here.argument, here.argument_type = node, None, None
            here.parent_type = parent.name if parent else None
            here.field_type = str(field_type) if field_type else None
        elif isinstance(node, VariableDefinitionNode):
            here.variable = node
        elif isinstance(node, ArgumentNode):
            argument = self.type_info.get_argument()
            here.path = [*top.path, node.name.value]
            here.argument = node
            here.argument_type = str(argument.type) if argument else None
        self.where[id(node)] = here
        self.stack.append(here)

    def leave(self, *_args: Any) -> None:
        self.stack.pop()


def _index(schema: GraphQLSchema, document: DocumentNode) -> dict[int, _Where]:
    type_info = TypeInfo(schema)
    indexer = _Indexer(type_info)
    visit(document, TypeInfoVisitor(type_info, indexer))
    return indexer.where


# --- validation -------------------------------------------------------------------------------------------


Formatter = Callable[[GraphQLError, dict[int, _Where]], ErrorJSON | None]


def _first(error: GraphQLError) -> Node | None:
    return error.nodes[0] if error.nodes else None


def _where(error: GraphQLError, index: dict[int, _Where], position: int = 0) -> _Where:
    nodes = error.nodes or []
    node = nodes[position] if len(nodes) > position else None
    return index.get(id(node), _Where(path=[])) if node is not None else _Where(path=[])


def _undefined_field(error: GraphQLError, index: dict[int, _Where]) -> ErrorJSON:
    node = _first(error)
    where = _where(error, index)
    name = node.name.value if isinstance(node, FieldNode) else "?"
    return _error(
        f"Field '{name}' doesn't exist on type '{where.parent_type}'",
        node,
        where.path,
        {"code": "undefinedField", "typeName": where.parent_type, "fieldName": name},
    )


def _unknown_argument(error: GraphQLError, index: dict[int, _Where]) -> ErrorJSON:
    node = _first(error)
    where = _where(error, index)
    argument = node.name.value if isinstance(node, ArgumentNode) else "?"
    field = where.field.name.value if where.field else "?"
    return _error(
        f"Field '{field}' doesn't accept argument '{argument}'",
        node,
        where.path,
        {"code": "argumentNotAccepted", "name": field, "typeName": "Field", "argumentName": argument},
    )


def _invalid_literal(error: GraphQLError, index: dict[int, _Where]) -> ErrorJSON | None:
    where = _where(error, index)
    if where.argument is None or where.field is None:
        return None  # e.g. a variable's default value: graphql-core's own message
    argument = where.argument.name.value
    return _error(
        f"Argument '{argument}' on Field '{where.field.name.value}' has an invalid value "
        f"({print_ast(where.argument.value)}). Expected type '{where.argument_type}'.",
        where.field,
        where.path,
        {"code": "argumentLiteralsIncompatible", "typeName": "Field", "argumentName": argument},
    )


def _missing_arguments(error: GraphQLError, index: dict[int, _Where]) -> ErrorJSON | None:
    node = _first(error)
    if not isinstance(node, FieldNode):
        return None
    where = _where(error, index)
    missing = error.message.split("(", 1)[1].split(":)", 1)[0] if "(" in error.message else "?"
    field = node.name.value
    return _error(
        f"Field '{field}' is missing required arguments: {missing}",
        node,
        where.path,
        {"code": "missingRequiredArguments", "className": "Field", "name": field, "arguments": missing},
    )


def _selection_mismatch(error: GraphQLError, index: dict[int, _Where]) -> ErrorJSON:
    node = _first(error)
    where = _where(error, index)
    field = where.field.name.value if where.field else "?"
    field_type = where.field_type or "?"
    if "must not have a selection" in error.message:
        named = field_type.rstrip("!")
        selected = ", ".join(
            sel.name.value
            for sel in (
                where.field.selection_set.selections if where.field and where.field.selection_set else ()
            )
            if isinstance(sel, FieldNode)
        )
        message = (
            f"Selections can't be made on scalars (field '{field}' returns {named} "
            f"but has selections [{selected}])"
        )
        type_name = named
    else:
        message = (
            f"Field must have selections (field '{field}' returns {field_type} but has no selections. "
            f"Did you mean '{field} {{ ... }}'?)"
        )
        type_name = field_type
    return _error(
        message,
        where.field or node,
        where.path,
        {"code": "selectionMismatch", "nodeName": f"field '{field}'", "typeName": type_name},
    )


def _variable_not_defined(error: GraphQLError, index: dict[int, _Where]) -> ErrorJSON:
    node = _first(error)
    where = _where(error, index)
    name = node.name.value if isinstance(node, VariableNode) else "?"
    return _error(
        f"Variable ${name} is used by {where.operation} but not declared",
        node,
        where.path,
        {"code": "variableNotDefined", "variableName": name},
    )


def _variable_not_used(error: GraphQLError, index: dict[int, _Where]) -> ErrorJSON:
    node = _first(error)
    where = _where(error, index)
    name = node.variable.name.value if isinstance(node, VariableDefinitionNode) else "?"
    return _error(
        f"Variable ${name} is declared by {where.operation} but not used",
        node,
        where.path[:1],
        {"code": "variableNotUsed", "variableName": name},
    )


def _variable_type(error: GraphQLError, index: dict[int, _Where]) -> ErrorJSON | None:
    node = _first(error)
    where = _where(error, index)
    if node is None:
        return None
    type_name = print_ast(node.type) if isinstance(node, VariableDefinitionNode) else print_ast(node)
    definition = node if isinstance(node, VariableDefinitionNode) else where.variable
    if definition is None:  # a fragment's type condition
        return _error(
            f"No such type {type_name}, so it can't be a fragment condition",
            node,
            where.path,
            {"code": "undefinedType", "typeName": type_name},
        )
    name = definition.variable.name.value
    adjective = "defined" if "Unknown type" in error.message else "valid"
    return _error(
        f"{type_name} isn't a {adjective} input type (on ${name})",
        definition,
        where.path[:1],
        {"code": "variableRequiresValidType", "typeName": type_name, "variableName": name},
    )


def _variable_mismatch(error: GraphQLError, index: dict[int, _Where]) -> ErrorJSON | None:
    nodes = error.nodes or []
    definition = next((n for n in nodes if isinstance(n, VariableDefinitionNode)), None)
    usage = next((n for n in nodes if isinstance(n, VariableNode)), None)
    if definition is None or usage is None:
        return None
    where = index.get(id(usage), _Where(path=[]))
    declared = print_ast(definition.type)
    expected = where.argument_type or "?"
    kind = "Nullability" if declared.rstrip("!") == expected.rstrip("!") else "Type"
    argument = where.argument.name.value if where.argument else "?"
    name = definition.variable.name.value
    return _error(
        f"{kind} mismatch on variable ${name} and argument {argument} ({declared} / {expected})",
        usage,
        where.path,
        {
            "code": "variableMismatch",
            "variableName": name,
            "typeName": declared,
            "argumentName": argument,
            "errorMessage": f"{kind} mismatch",
        },
    )


_FORMATTERS: dict[type, Formatter] = {
    FieldsOnCorrectTypeRule: _undefined_field,
    KnownArgumentNamesRule: _unknown_argument,
    ValuesOfCorrectTypeRule: _invalid_literal,
    ProvidedRequiredArgumentsRule: _missing_arguments,
    ScalarLeafsRule: _selection_mismatch,
    NoUndefinedVariablesRule: _variable_not_defined,
    NoUnusedVariablesRule: _variable_not_used,
    KnownTypeNamesRule: _variable_type,
    VariablesAreInputTypesRule: _variable_type,
    VariablesInAllowedPositionRule: _variable_mismatch,
}


def validation_errors(schema: GraphQLSchema, document: DocumentNode) -> list[ErrorJSON]:
    """Shopify-shaped errors for ``document`` ([] when valid). One pass for the usual valid document; on
    failure each rule runs alone so that every error is worded by the rule that found it."""
    if not validate(schema, document):
        return []
    index = _index(schema, document)
    found: list[ErrorJSON] = []
    for rule in specified_rules:
        for error in validate(schema, document, [rule]):
            formatter = _FORMATTERS.get(rule)
            shaped = formatter(error, index) if formatter else None
            if shaped is None:
                shaped = _error(error.message, _first(error), _where(error, index).path or None, None)
            if shaped not in found:  # one literal with several faults is one argument error
                found.append(shaped)
    return found


# --- variables --------------------------------------------------------------------------------------------


def _inspect(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _problems(value: Any, type_: GraphQLInputType, path: list[str | int]) -> list[dict[str, Any]]:
    """graphql-ruby's ``problems`` for an input value of ``type_``."""
    if isinstance(type_, GraphQLNonNull):
        if value is None:
            return [{"path": path, "explanation": "Expected value to not be null"}]
        return _problems(value, type_.of_type, path)
    if value is None:
        return []
    if isinstance(type_, GraphQLList):
        if not isinstance(value, list):
            return _problems(value, type_.of_type, path)  # a single value is coerced to a list of one
        return [p for i, item in enumerate(value) for p in _problems(item, type_.of_type, [*path, i])]
    if isinstance(type_, GraphQLInputObjectType):
        if not isinstance(value, dict):
            return [{"path": path, "explanation": f"Expected {_inspect(value)} to be a key-value object."}]
        found = [
            {"path": [*path, key], "explanation": f"Field is not defined on {type_.name}"}
            for key in value
            if key not in type_.fields
        ]
        for key, input_field in type_.fields.items():
            found += _problems(value.get(key), input_field.type, [*path, key])
        return found
    if isinstance(type_, GraphQLEnumType):
        if not isinstance(value, str) or value not in type_.values:
            names = ", ".join(type_.values)
            return [{"path": path, "explanation": f"Expected {_inspect(value)} to be one of: {names}"}]
        return []
    if isinstance(type_, GraphQLScalarType):
        try:
            if type_.parse_value(value) is None:
                raise ValueError(value)
        except (GraphQLError, ValueError, TypeError):
            return [
                {"path": path, "explanation": f"Could not coerce value {_inspect(value)} to {type_.name}"}
            ]
    return []


def variable_errors(
    schema: GraphQLSchema, operation: OperationDefinitionNode, variables: dict[str, Any]
) -> list[ErrorJSON]:
    """Shopify's INVALID_VARIABLE errors for the values sent for ``operation``'s variables."""
    found: list[ErrorJSON] = []
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        type_ = type_from_ast(schema, definition.type)
        if type_ is None:
            continue  # reported by validation
        provided = name in variables
        if not provided and definition.default_value is not None:
            continue
        value = variables.get(name)
        problems = _problems(value, type_, [])  # type: ignore[arg-type]
        if problems:
            declared = print_ast(definition.type)
            found.append(
                {
                    "message": f"Variable ${name} of type {declared} was provided invalid value",
                    "locations": _location(definition),
                    "extensions": {"code": "INVALID_VARIABLE", "value": value, "problems": problems},
                }
            )
    return found
