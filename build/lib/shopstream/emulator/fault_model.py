"""Fault injection, the pure part: rules, their validation, and the seeded decision for one request.

A configuration is ``{"seed": int, "rules": [rule, ...]}``. A request is matched against the rules in order
and the first that matches decides (one rule per request). A rule:

    {"shop": "acme" | null (any request, also AEP and unknown shops),
     "path": "/admin/api/*/webhooks.json"   glob (fnmatch, ``*`` also crosses ``/``) on the path inside the
                                            shop, or on the whole path for requests not addressed to a shop;
                                            default "*",
     "methods": ["POST", ...] | null (all),
     "error":        {"rate": 0.2, "statuses": [500, 502, 503, 504], "limit": n},
     "throttle":     {"rate": 0.05, "burst": 3, "retry_after": 2.0, "limit": n},
     "reset_before": {"rate": 0.05, "limit": n},
     "reset_after":  {"rate": 0.05, "limit": n},
     "ambiguous":    {"rate": 0.05, "statuses": [500, 502, 503, 504], "limit": n},
     "latency":      {"rate": 1.0, "seconds": 12.0, "phase": "before" | "after", "limit": n}}

Every kind is optional. ``error``, ``throttle``, ``reset_before``, ``reset_after`` and ``ambiguous`` exclude
one another (their rates add up to at most 1 and one draw picks at most one); ``latency`` is drawn on its own
and can come with any of them. ``limit`` caps how many times the rule injects that kind (a storm counts
once), then it stops. ``throttle`` answers 429 to the chosen request and the next ``burst - 1`` matching
requests of the same shop. ``rate`` is required except for latency (default 1).

Determinism: the n-th request matching rule r for shop s draws ``sha256(seed, r, s, n, purpose)``, so for a
given seed the same sequence of requests gets the same faults, whatever other shops do meanwhile.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import Any, TypeGuard

FAULT_ENVIRON_KEY = "emulator.fault"  # WSGI environ: the injected fault's label, for the request log
EXCLUSIVE_KINDS = ("error", "throttle", "reset_before", "reset_after", "ambiguous")
KINDS = (*EXCLUSIVE_KINDS, "latency")
# Kinds the app never sees: nothing is applied. The others reach the app and the write happens.
NOT_APPLIED = frozenset({"error", "throttle", "reset_before"})
DEFAULT_STATUSES = (500, 502, 503, 504)
ALLOWED_STATUSES = frozenset({500, 502, 503, 504})
DEFAULT_RETRY_AFTER = 2.0  # Shopify's own value
MAX_LATENCY_SECONDS = 600.0
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class FaultConfigError(ValueError):
    """A fault configuration that cannot be used; the message says which part and why."""


@dataclass(frozen=True)
class FaultSpec:
    """One kind of fault in a rule."""

    rate: float
    limit: int | None = None
    statuses: tuple[int, ...] = DEFAULT_STATUSES  # error, ambiguous
    burst: int = 1  # throttle
    retry_after: float = DEFAULT_RETRY_AFTER  # throttle
    seconds: float = 0.0  # latency
    phase: str = "before"  # latency


@dataclass(frozen=True)
class FaultRule:
    shop: str | None = None
    path: str = "*"
    methods: frozenset[str] | None = None
    faults: dict[str, FaultSpec] = field(default_factory=dict)

    def matches(self, shop: str | None, path: str, method: str) -> bool:
        if self.shop is not None and self.shop != shop:
            return False
        if self.methods is not None and method.upper() not in self.methods:
            return False
        return fnmatchcase(path, self.path)


@dataclass(frozen=True)
class FaultConfig:
    seed: int = 0
    rules: tuple[FaultRule, ...] = ()


@dataclass(frozen=True)
class Decision:
    """What to do to one request. ``kind`` is one of EXCLUSIVE_KINDS or None; ``latency`` seconds of sleep
    before the app handles it (phase "before") or before the answer goes out (phase "after")."""

    rule: int
    kind: str | None = None
    status: int | None = None  # error / ambiguous / throttle (429)
    retry_after: float | None = None  # throttle
    latency: float = 0.0
    latency_phase: str = "before"

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k in (self.kind, "latency" if self.latency > 0 else None) if k)

    @property
    def label(self) -> str | None:
        """How the request log names it, e.g. ``"latency+ambiguous_503"``."""
        parts = ["latency"] if self.latency > 0 else []
        if self.kind in ("error", "ambiguous"):
            parts.append(f"{self.kind}_{self.status}")
        elif self.kind:
            parts.append(self.kind)
        return "+".join(parts) or None

    @property
    def applied(self) -> bool:
        """Whether the request reaches the app (a write is then applied)."""
        return self.kind not in NOT_APPLIED


@dataclass
class StreamState:
    """Per rule and shop: how many matching requests were seen, and what is left of a 429 storm."""

    seen: int = 0
    storm_left: int = 0


def draw(seed: int, rule: int, shop: str | None, n: int, purpose: str) -> float:
    """A uniform number in [0, 1) that depends only on its arguments."""
    key = f"{seed}\x1f{rule}\x1f{shop or ''}\x1f{n}\x1f{purpose}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") / 2**64


def decide(
    config: FaultConfig,
    rule_index: int,
    shop: str | None,
    stream: StreamState,
    injected: dict[str, int],
) -> Decision:
    """The decision for the next request matching rule ``rule_index`` for ``shop``.

    ``stream`` (this rule and shop) and ``injected`` (this rule's counts per kind, for ``limit``) are
    updated in place; nothing else is touched.
    """
    rule = config.rules[rule_index]
    n = stream.seen
    stream.seen += 1
    decision = Decision(rule=rule_index)

    def allowed(kind: str) -> bool:
        spec = rule.faults[kind]
        return spec.limit is None or injected.get(kind, 0) < spec.limit

    throttle = rule.faults.get("throttle")
    continued_storm = stream.storm_left > 0 and throttle is not None
    if continued_storm and throttle is not None:
        stream.storm_left -= 1
        decision = replace(decision, kind="throttle", status=429, retry_after=throttle.retry_after)
    else:
        u = draw(config.seed, rule_index, shop, n, "kind")
        edge = 0.0
        for kind in EXCLUSIVE_KINDS:
            spec = rule.faults.get(kind)
            if spec is None:
                continue
            edge += spec.rate
            if u < edge:
                if allowed(kind):
                    decision = _chosen(decision, kind, spec, draw(config.seed, rule_index, shop, n, "status"))
                    if kind == "throttle":
                        stream.storm_left = spec.burst - 1
                break
    latency = rule.faults.get("latency")
    if (
        latency is not None
        and draw(config.seed, rule_index, shop, n, "latency") < latency.rate
        and allowed("latency")
    ):
        decision = replace(decision, latency=latency.seconds, latency_phase=latency.phase)
    for kind in decision.kinds:
        if not (kind == "throttle" and continued_storm):  # a storm counts once
            injected[kind] = injected.get(kind, 0) + 1
    return decision


def _chosen(decision: Decision, kind: str, spec: FaultSpec, u: float) -> Decision:
    if kind == "throttle":
        return replace(decision, kind=kind, status=429, retry_after=spec.retry_after)
    if kind in ("error", "ambiguous"):
        return replace(decision, kind=kind, status=spec.statuses[int(u * len(spec.statuses))])
    return replace(decision, kind=kind)


def first_match(config: FaultConfig, shop: str | None, path: str, method: str) -> int | None:
    for index, rule in enumerate(config.rules):
        if rule.matches(shop, path, method):
            return index
    return None


# --- parsing ----------------------------------------------------------------------------------------


def parse_config(data: Any) -> FaultConfig:
    """A FaultConfig from its JSON form; raises FaultConfigError naming the offending part."""
    if not isinstance(data, dict):
        raise FaultConfigError("the fault configuration must be a JSON object {seed?, rules}")
    unknown = set(data) - {"seed", "rules"}
    if unknown:
        raise FaultConfigError(f"unknown key(s) {sorted(unknown)}; expected seed and rules")
    seed = data.get("seed", 0)
    if not _is_int(seed):
        raise FaultConfigError("seed must be an integer")
    rules = data.get("rules", [])
    if not isinstance(rules, list):
        raise FaultConfigError("rules must be a list of rule objects")
    return FaultConfig(seed=seed, rules=tuple(parse_rule(r, f"rules[{i}]") for i, r in enumerate(rules)))


def parse_rule(data: Any, where: str = "rule") -> FaultRule:
    if not isinstance(data, dict):
        raise FaultConfigError(f"{where} must be a JSON object")
    unknown = set(data) - {"shop", "path", "methods", *KINDS}
    if unknown:
        raise FaultConfigError(
            f"{where}: unknown key(s) {sorted(unknown)}; expected shop, path, methods, {', '.join(KINDS)}"
        )
    shop = data.get("shop")
    if shop is not None and (not isinstance(shop, str) or not shop):
        raise FaultConfigError(f"{where}.shop must be a shop name or null")
    path = data.get("path", "*")
    if not isinstance(path, str) or not path:
        raise FaultConfigError(f"{where}.path must be a non-empty glob pattern")
    methods = data.get("methods")
    if methods is not None:
        if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
            raise FaultConfigError(f"{where}.methods must be a list of HTTP methods or null")
        methods = frozenset(m.upper() for m in methods)
        if not methods <= _METHODS:
            raise FaultConfigError(f"{where}.methods: unknown method(s) {sorted(methods - _METHODS)}")
    faults = {
        kind: _parse_spec(kind, data[kind], f"{where}.{kind}") for kind in KINDS if data.get(kind) is not None
    }
    total = sum(spec.rate for kind, spec in faults.items() if kind in EXCLUSIVE_KINDS)
    if total > 1 + 1e-9:
        raise FaultConfigError(
            f"{where}: the rates of {', '.join(EXCLUSIVE_KINDS)} add up to {total:g}; at most 1"
        )
    return FaultRule(shop=shop, path=path, methods=methods, faults=faults)


_SPEC_KEYS = {
    "error": {"rate", "limit", "statuses"},
    "ambiguous": {"rate", "limit", "statuses"},
    "throttle": {"rate", "limit", "burst", "retry_after"},
    "reset_before": {"rate", "limit"},
    "reset_after": {"rate", "limit"},
    "latency": {"rate", "limit", "seconds", "phase"},
}


def _parse_spec(kind: str, data: Any, where: str) -> FaultSpec:
    if not isinstance(data, dict):
        raise FaultConfigError(f"{where} must be a JSON object")
    unknown = set(data) - _SPEC_KEYS[kind]
    if unknown:
        raise FaultConfigError(
            f"{where}: unknown key(s) {sorted(unknown)}; expected {', '.join(sorted(_SPEC_KEYS[kind]))}"
        )
    rate = data.get("rate", 1.0 if kind == "latency" else None)
    if not _is_number(rate) or not 0 <= rate <= 1:
        raise FaultConfigError(f"{where}.rate must be a number from 0 to 1")
    limit = data.get("limit")
    if limit is not None and (not _is_int(limit) or limit < 0):
        raise FaultConfigError(f"{where}.limit must be a non-negative integer or null")
    spec = FaultSpec(rate=float(rate), limit=limit)
    if "statuses" in _SPEC_KEYS[kind]:
        statuses = data.get("statuses", list(DEFAULT_STATUSES))
        if (
            not isinstance(statuses, list)
            or not statuses
            or not all(_is_int(s) and s in ALLOWED_STATUSES for s in statuses)
        ):
            raise FaultConfigError(f"{where}.statuses must be a non-empty list of 500, 502, 503, 504")
        spec = replace(spec, statuses=tuple(statuses))
    if kind == "throttle":
        burst = data.get("burst", 1)
        retry_after = data.get("retry_after", DEFAULT_RETRY_AFTER)
        if not _is_int(burst) or burst < 1:
            raise FaultConfigError(f"{where}.burst must be an integer >= 1")
        if not _is_number(retry_after) or not 0 <= retry_after <= 3600:
            raise FaultConfigError(f"{where}.retry_after must be seconds from 0 to 3600")
        spec = replace(spec, burst=burst, retry_after=float(retry_after))
    if kind == "latency":
        seconds = data.get("seconds")
        phase = data.get("phase", "before")
        if not _is_number(seconds) or not 0 < seconds <= MAX_LATENCY_SECONDS:
            raise FaultConfigError(
                f"{where}.seconds must be a number above 0, at most {MAX_LATENCY_SECONDS:g}"
            )
        if phase not in ("before", "after"):
            raise FaultConfigError(f'{where}.phase must be "before" or "after"')
        spec = replace(spec, seconds=float(seconds), phase=phase)
    return spec


def rule_json(rule: FaultRule) -> dict[str, Any]:
    """The JSON form of a rule, with every default spelled out."""
    body: dict[str, Any] = {
        "shop": rule.shop,
        "path": rule.path,
        "methods": sorted(rule.methods) if rule.methods is not None else None,
    }
    for kind, spec in rule.faults.items():
        part: dict[str, Any] = {"rate": spec.rate, "limit": spec.limit}
        if kind in ("error", "ambiguous"):
            part["statuses"] = list(spec.statuses)
        if kind == "throttle":
            part.update(burst=spec.burst, retry_after=spec.retry_after)
        if kind == "latency":
            part.update(seconds=spec.seconds, phase=spec.phase)
        body[kind] = part
    return body


def config_json(config: FaultConfig) -> dict[str, Any]:
    return {"seed": config.seed, "rules": [rule_json(rule) for rule in config.rules]}


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value  # not NaN
