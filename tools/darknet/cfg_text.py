"""A deliberately small darknet cfg reader, independent of vigil's importer, shared by the comparison scripts
and random_weights.py (which must not need cv2)."""


def read_cfg(path):
    """[(section, {key: value})] in file order, comments (# and ;) removed."""
    sections = []
    with open(path) as f:
        for line in f:
            line = line.split("#")[0].split(";")[0].strip()
            if not line:
                continue
            if line.startswith("["):
                sections.append((line.strip("[]").strip(), {}))
            elif "=" in line:
                k, v = line.split("=", 1)
                sections[-1][1][k.strip()] = v.strip()
    return sections
