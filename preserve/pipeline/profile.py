"""Plan a bag that satisfies a BagIt profile: pure functions, no I/O.

What a profiled bag needs: the manifest algorithms (the requested ones plus every required
one: md5 for APTrust), the serialization (APTrust requires tar), ``BagIt-Profile-Identifier``,
and the tags of bag-info.txt and of other tag files (APTrust's aptrust-info.txt). Values come
only from preserve.toml (``[bag-info]``, ``[tag-files."NAME.txt"]`` and the keys that feed
bag-info.txt), from the record (``RECORD_TAGS``), from the fields preserve writes itself
(``SUPPLIED_TAGS``) or from the profile's own default value; nothing is invented. A requirement
nothing supplies raises :class:`ProfileUnsatisfied`: one line naming it and how to supply it.

:func:`plan_collection` checks what the config alone decides, once before any bag is written;
:func:`plan_release` adds what each release's record supplies (Title from dc:title).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase

from preserve.bag.profiles import SERIALIZATION_TYPES, Profile, TagRule
from preserve.bag.tagfiles import BAGIT_VERSION, TAG_ENCODING
from preserve.errors import InputError
from preserve.fixity.algorithms import ALGORITHMS
from preserve.intake.config import BAG_INFO_KEYS, CollectionConfig

#: bag-info.txt tags preserve writes in every bag, whatever the config and record
SUPPLIED_TAGS = ("Bagging-Date", "Payload-Oxum", "Bag-Software-Agent", "External-Identifier",
                 "Internal-Sender-Identifier", "BagIt-Profile-Identifier")
#: bag-info.txt tags the bag writer computes when a profile names them (RFC 8493 §2.2.2 Bag-Size:
#: "the size or approximate size of the bag being transferred"): ProfilePlan.bag_size
WRITER_TAGS = ("Bag-Size",)
#: bag-info.txt tags preserve writes when the record has a title or a description
RECORD_BAG_INFO = ("External-Description",)
#: tags of other tag files filled from the record: tag name -> Dublin Core element
RECORD_TAGS: dict[str, str] = {"Title": "title", "Description": "description"}
Fields = tuple[tuple[str, str], ...]


class ProfileUnsatisfied(InputError):
    """A profile requirement nothing supplies (exit 2): the message says which and how to supply it."""


@dataclass(frozen=True)
class ProfilePlan:
    """What a profiled bag needs beyond preserve's ordinary bag.

    ``bag_info``: bag-info.txt fields beyond preserve's standard ones (BagIt-Profile-Identifier,
    the [bag-info] table, then profile defaults); ``tag_files``: other tag files and their
    fields; ``from_record``: (tag file, tag, DC element) still to fill per release;
    ``bag_size``: the profile names Bag-Size (required or recommended), which the bag writer computes.
    """

    profile: Profile
    algorithms: tuple[str, ...]
    tag_manifest_algorithms: tuple[str, ...]
    serialization: str | None
    bag_info: Fields
    tag_files: tuple[tuple[str, Fields], ...]
    from_record: tuple[tuple[str, str, str], ...] = ()
    bag_size: bool = False


def plan_profile(profile: Profile, *, algorithms: Sequence[str], serialization: str | None,
                 config: CollectionConfig, record_values: Mapping[str, str]) -> ProfilePlan:
    """The whole plan for one release: plan_collection, then plan_release."""
    plan = plan_collection(profile, algorithms=algorithms, serialization=serialization, config=config)
    return plan_release(plan, record_values)


def plan_collection(profile: Profile, *, algorithms: Sequence[str], serialization: str | None,
                    config: CollectionConfig) -> ProfilePlan:
    """What the profile needs that the options and preserve.toml decide; ProfileUnsatisfied if unmet."""
    by = f"profile {profile.label}"
    _check_bagit(profile, by)
    if profile.fetch_required:
        raise ProfileUnsatisfied(f"{by} requires fetch.txt, which preserve never writes (bags must be complete); "
                                 "choose another profile")
    if profile.data_empty:
        raise ProfileUnsatisfied(f"{by} requires an empty data/ folder; preserve bags hold the release; "
                                 "choose another profile")
    chosen = _algorithms(profile, algorithms, by)
    tag_algorithms = _tag_manifest_algorithms(profile, chosen, by)
    bag_info, files, pending = _tags(profile, config, by)
    for pattern in profile.tag_files_required:
        written = ("bagit.txt", "bag-info.txt", *(name for name, _ in files), *(file for file, _, _ in pending))
        if not any(fnmatchcase(name, pattern) for name in written):
            raise ProfileUnsatisfied(f"{by} requires tag file {pattern}; give its tags in preserve.toml under "
                                     f"[tag-files.\"{pattern}\"]")
    for name in dict.fromkeys([name for name, _ in files] + [file for file, _, _ in pending]):
        if "/" in name or name.startswith("."):
            raise ProfileUnsatisfied(f"{by} wants tags in {name}; preserve writes tag files only at the top of "
                                     "the bag, under plain names; choose another profile")
        if not profile.tag_file_allowed(name):
            raise ProfileUnsatisfied(f"{by} does not allow tag file {name}; remove [tag-files.\"{name}\"] "
                                     "from preserve.toml")
    return ProfilePlan(profile, chosen, tag_algorithms, _serialization(profile, serialization, by),
                       bag_info, files, pending, bag_size=_bag_size(profile, by))


def _bag_size(profile: Profile, by: str) -> bool:
    """True when the profile requires or recommends Bag-Size: the bag writer then computes it."""
    rules = [r for r in profile.tags_of("bag-info.txt") if r.name.lower() == "bag-size"]
    for rule in rules:
        if rule.values:
            raise ProfileUnsatisfied(f"{by} limits Bag-Size to {', '.join(rule.values)}; preserve computes "
                                     "Bag-Size from the bag; choose another profile")
    return any(r.required or r.recommended for r in rules)


def plan_release(plan: ProfilePlan, record_values: Mapping[str, str]) -> ProfilePlan:
    """The plan with the record's values filled in (record_values: DC element -> value)."""
    by = f"profile {plan.profile.label}"
    files = {name: list(fields) for name, fields in plan.tag_files}
    for file, tag, element in plan.from_record:
        rule = next(r for r in plan.profile.tags_of(file) if r.name == tag)
        value = " ".join((record_values.get(element) or "").split())
        if not value:
            if rule.required:
                raise ProfileUnsatisfied(f"{by}: {file} needs {tag} (dc:{element}) and the record has none; "
                                         f"give dc.{element} in metadata.csv")
            continue
        _check_value(rule, value, f"the record's dc:{element}", by, f"correct dc.{element} in metadata.csv")
        files.setdefault(file, []).append((tag, value))
    required_description = [r for r in plan.profile.tags_of("bag-info.txt")
                            if r.name in RECORD_BAG_INFO and r.required]
    if required_description and not (record_values.get("title") or record_values.get("description")):
        raise ProfileUnsatisfied(f"{by}: bag-info.txt needs External-Description and the record has no title "
                                 "or description; give dc.title in metadata.csv")
    ordered = tuple((name, _in_rule_order(plan.profile, name, fields)) for name, fields in files.items())
    return replace(plan, tag_files=ordered, from_record=())


def _in_rule_order(profile: Profile, file: str, fields: list[tuple[str, str]]) -> Fields:
    """A tag file's fields in the profile's order, then the others as given."""
    rank = {rule.name.lower(): i for i, rule in enumerate(profile.tags_of(file))}
    return tuple(sorted(fields, key=lambda f: rank.get(f[0].lower(), len(rank))))


def _check_bagit(profile: Profile, by: str) -> None:
    """preserve writes BagIt 1.0 in UTF-8 (RFC 8493 §2.1.1): the profile must accept both."""
    if profile.accept_bagit_version and BAGIT_VERSION not in profile.accept_bagit_version:
        raise ProfileUnsatisfied(f"{by} accepts BagIt {', '.join(profile.accept_bagit_version)} only; "
                                 f"preserve writes BagIt {BAGIT_VERSION}; choose another profile")
    for rule in profile.tags_of("bagit.txt"):
        if rule.name.lower() == "tag-file-character-encoding" and rule.values and \
                TAG_ENCODING.lower() not in {v.lower() for v in rule.values}:
            raise ProfileUnsatisfied(f"{by} requires tag files in {', '.join(rule.values)}; preserve writes "
                                     f"{TAG_ENCODING}; choose another profile")


def _algorithms(profile: Profile, requested: Sequence[str], by: str) -> tuple[str, ...]:
    """The requested algorithms plus every required one; a requested one the profile forbids is refused."""
    allowed = profile.manifests_allowed
    for name in requested:
        if allowed is not None and name not in allowed:
            why = " (preserve always adds sha256: METS checksums are sha256)" if name == "sha256" else ""
            raise ProfileUnsatisfied(f"{by} does not allow {name} manifests{why}; it allows {', '.join(allowed)}: "
                                     "choose from them with --algorithm")
    for name in profile.manifests_required:
        if name not in ALGORITHMS:
            raise ProfileUnsatisfied(f"{by} requires a {name} manifest, which preserve cannot compute; "
                                     "choose another profile")
    return tuple(dict.fromkeys([*requested, *profile.manifests_required]))


def _tag_manifest_algorithms(profile: Profile, chosen: tuple[str, ...], by: str) -> tuple[str, ...]:
    """Tag manifests: the payload algorithms the profile allows for them, plus the required ones."""
    allowed = profile.tag_manifests_allowed
    for name in profile.tag_manifests_required:
        if name not in ALGORITHMS:
            raise ProfileUnsatisfied(f"{by} requires a {name} tag manifest, which preserve cannot compute; "
                                     "choose another profile")
    kept = [a for a in chosen if allowed is None or a in allowed]
    return tuple(dict.fromkeys([*kept, *profile.tag_manifests_required]))


def _serialization(profile: Profile, requested: str | None, by: str) -> str | None:
    """The serialization to write: the requested one if accepted, else the one a profile requires."""
    accepted = profile.serializations()
    if requested is not None and requested not in SERIALIZATION_TYPES:
        raise InputError(f"unknown serialization {requested!r}; choose {', '.join(SERIALIZATION_TYPES)}")
    if requested is None:
        if profile.serialization != "required":
            return None
        if not accepted:
            raise ProfileUnsatisfied(f"{by} requires a serialization preserve cannot write "
                                     f"({', '.join(profile.accept_serialization)}); choose another profile")
        return accepted[0]
    if profile.serialization == "forbidden":
        raise ProfileUnsatisfied(f"{by} forbids serialized bags; leave out --serialize")
    if requested not in accepted:
        raise ProfileUnsatisfied(f"{by} does not accept --serialize {requested}; it accepts "
                                 f"{', '.join(accepted) or 'none preserve writes'}: choose with --serialize")
    return requested


def _check_value(rule: TagRule, value: str, source: str, by: str, fix: str) -> None:
    if rule.values and value not in rule.values:
        raise ProfileUnsatisfied(f"{by}: {rule.file} {rule.name} must be one of {', '.join(rule.values)}, "
                                 f"not {value!r} ({source}); {fix}")


def _hint(rule: TagRule) -> str:
    """How to supply a tag: the preserve.toml key or table that gives it."""
    if rule.file == "bag-info.txt":
        key = next((k for label, k in BAG_INFO_KEYS.items() if label.lower() == rule.name.lower()), None)
        return f"set {key} in preserve.toml" if key else "add it to preserve.toml under [bag-info]"
    return f"add it to preserve.toml under [tag-files.\"{rule.file}\"]"


def _tags(profile: Profile, config: CollectionConfig, by: str) -> tuple[Fields, tuple[tuple[str, Fields], ...],
                                                                          tuple[tuple[str, str, str], ...]]:
    """bag-info.txt additions, other tag files' fields, and the tags left for the record."""
    from_keys = {k.lower() for k in config.bag_info()}
    table = {k.lower(): (k, v) for k, v in config.extra_bag_info}
    supplied = {t.lower() for t in SUPPLIED_TAGS + WRITER_TAGS} | from_keys
    bag_info: list[tuple[str, str]] = [("BagIt-Profile-Identifier", profile.identifier)]
    bag_info += [(k, v) for k, v in config.extra_bag_info]
    for rule in profile.tags_of("bag-info.txt"):
        name = rule.name.lower()
        given = table.get(name, (None, None))[1] or (config.bag_info().get(rule.name) if name in from_keys else None)
        if given is not None:
            _check_value(rule, given, "preserve.toml", by, "correct it in preserve.toml")
        elif name in supplied or rule.name in RECORD_BAG_INFO:
            continue
        elif rule.default:
            _check_value(rule, rule.default, "the profile's default", by, "set it in preserve.toml under [bag-info]")
            bag_info.append((rule.name, rule.default))
        elif rule.required:
            raise ProfileUnsatisfied(f"{by}: bag-info.txt needs {_described(rule)}; {_hint(rule)}")
    files: dict[str, list[tuple[str, str]]] = {name: list(fields) for name, fields in config.tag_files}
    pending: list[tuple[str, str, str]] = []
    for file in profile.tag_files_named():
        if file in ("bagit.txt", "bag-info.txt"):
            continue
        given_file = config.tag_file(file)
        for rule in profile.tags_of(file):
            given = next((v for k, v in given_file.items() if k.lower() == rule.name.lower()), None)
            if given is not None:
                _check_value(rule, given, "preserve.toml", by, "correct it in preserve.toml")
            elif rule.name in RECORD_TAGS:
                pending.append((file, rule.name, RECORD_TAGS[rule.name]))
            elif rule.default:
                _check_value(rule, rule.default, "the profile's default", by, "set it in preserve.toml")
                files.setdefault(file, []).append((rule.name, rule.default))
            elif rule.required:
                raise ProfileUnsatisfied(f"{by}: {file} needs {_described(rule)}; {_hint(rule)}")
    ordered = tuple((name, _in_rule_order(profile, name, fields)) for name, fields in files.items())
    return tuple(bag_info), ordered, tuple(pending)


def _described(rule: TagRule) -> str:
    return f"{rule.name} (one of {', '.join(rule.values)})" if rule.values else rule.name
