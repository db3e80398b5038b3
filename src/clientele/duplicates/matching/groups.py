"""Groups: connected components of likely pairs, and groups whose members all agree."""

from collections.abc import Callable, Iterable, Iterator


def _root(parent: dict[str, str], x: str) -> str:
    """The root of `x` in the union-find forest `parent`, compressing the path on the way."""
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:
        parent[x], x = root, parent[x]
    return root


def connected_groups(pairs: Iterable[tuple[str, str]]) -> Iterator[list[str]]:
    """Clusters of ids linked by the given pairs (union-find), each sorted; order stable."""
    parent: dict[str, str] = {}

    for a, b in pairs:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = _root(parent, a), _root(parent, b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for x in parent:
        groups.setdefault(_root(parent, x), []).append(x)
    for members in sorted(groups.values(), key=min):
        yield sorted(members)


def checked_groups(
    pairs: Iterable[tuple[str, str, float]], accept: Callable[[list[str], list[str]], bool]
) -> list[list[str]]:
    """Groups of likely pairs, joined only where the two groups accept each other.

    Connected components join two records through any chain of pairs, so one weak link puts
    two customers together (A~B and B~C, where A and C are clearly two people). Here pairs are
    taken strongest first (the third value, e.g. the probability) and the groups of a pair's
    two records join only if `accept(members of one, members of the other)`; otherwise the
    pair is left out. Records left alone are in no group. Each group sorted; order stable (by
    smallest member).
    """
    parent: dict[str, str] = {}
    members: dict[str, list[str]] = {}

    for a, b, _ in sorted(pairs, key=lambda p: (-p[2], p[0], p[1])):
        for x in (a, b):
            if x not in parent:
                parent[x] = x
                members[x] = [x]
        ra, rb = _root(parent, a), _root(parent, b)
        if ra != rb and accept(members[ra], members[rb]):
            keep, gone = min(ra, rb), max(ra, rb)
            parent[gone] = keep
            members[keep].extend(members.pop(gone))
    groups = [sorted(m) for m in members.values() if len(m) > 1]
    return sorted(groups, key=lambda g: g[0])
