"""Groups: connected components of likely pairs."""

from collections.abc import Iterable, Iterator


def connected_groups(pairs: Iterable[tuple[str, str]]) -> Iterator[list[str]]:
    """Clusters of ids linked by the given pairs (union-find), each sorted; order stable."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in pairs:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    for members in sorted(groups.values(), key=min):
        yield sorted(members)
