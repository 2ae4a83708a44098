"""Finding and importing spec modules, with errors that name the file and line."""
from __future__ import annotations

import importlib.util
import os
import sys
import traceback

from .spec import Spec, SpecError, UsageError

__all__ = ["load_spec", "resolve_spec_path"]


def _is_package(path: str) -> bool:
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, "__init__.py"))


def resolve_spec_path(ref: str) -> str:
    """A spec path from what the user typed: a .py file, a package directory (with __init__.py), or a
    bare name looked up in ./specs/ (as NAME.py, then as the package NAME/)."""
    path = ref.split("::")[0]
    if os.path.isfile(path):
        return path
    if _is_package(path):
        return path.rstrip("/" + os.sep) or path
    if not path.endswith(".py"):
        for cand in (os.path.join("specs", path + ".py"), os.path.join("specs", path)):
            if os.path.isfile(cand) or _is_package(cand):
                return cand
    if os.path.isdir(path):
        raise UsageError(f"{path}: is a directory without __init__.py; give a spec file (a .py module defining "
                         f"a Spec subclass) or a spec package")
    raise UsageError(f"{path}: no such spec file")


def load_spec(ref: str) -> tuple[str, type[Spec]]:
    """Import a spec module and return (path, Spec subclass). `ref` is `path[::ClassName]`."""
    path = resolve_spec_path(ref)
    want = ref.split("::")[1] if "::" in ref else None
    package = os.path.isdir(path)
    source = os.path.join(path, "__init__.py") if package else path
    modname = "modelcheck_spec_" + os.path.splitext(os.path.basename(path))[0].replace("-", "_")
    # a package spec imports its parts relatively (from .peer import ...); a file spec may import a module
    # beside it by name (import helpers), so its folder is on sys.path while it is imported
    mspec = importlib.util.spec_from_file_location(modname, source,
                                                   submodule_search_locations=[path] if package else None)
    if mspec is None or mspec.loader is None:
        raise UsageError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(mspec)
    sys.modules[modname] = module
    folder = os.path.dirname(os.path.abspath(source))
    added = not package and folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        mspec.loader.exec_module(module)
    except SpecError:
        raise
    except SyntaxError as e:
        raise SpecError(f"{e.filename or path}:{e.lineno}: syntax error: {e.msg}") from None
    except Exception as e:  # import errors and anything else the module raises at import time
        frames = [f for f in traceback.extract_tb(e.__traceback__)
                  if os.path.abspath(f.filename) == os.path.abspath(source)]
        where = f"{source}:{frames[-1].lineno}" if frames else path
        raise SpecError(f"{where}: importing the spec raised {type(e).__name__}: {e}") from None
    finally:
        if added:
            sys.path.remove(folder)
    found = list(dict.fromkeys(  # once each: `SPEC = Name` names a class a second time
        v for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, Spec) and v is not Spec
        and (v.__module__ == modname or (package and v.__module__.startswith(modname + ".")))))
    if want:
        found = [c for c in found if c.__name__ == want]
        if not found:
            raise UsageError(f"{path}: no Spec subclass named {want!r}")
    explicit = getattr(module, "SPEC", None)
    if explicit is not None and not want:
        if not (isinstance(explicit, type) and issubclass(explicit, Spec)):
            raise SpecError(f"{path}: SPEC = {explicit!r:.60} is not a Spec subclass; set SPEC = <the spec class>")
        found = [explicit]
    if not found:
        raise SpecError(f"{path}: defines no subclass of modelcheck.Spec")
    if len(found) > 1:
        names = ", ".join(c.__name__ for c in found)
        raise UsageError(f"{path}: defines several specs ({names}); choose one with {path}::Name "
                         f"or set SPEC = <class> in the module")
    return path, found[0]
