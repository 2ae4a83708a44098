"""The `modelcheck` command line. `main(argv) -> int`; `sys.exit` lives only in `__main__`.

z3, networkx and tabulate are imported inside the commands that use them, so `--help` and `--version`
start fast (`python -X importtime -m modelcheck --help` shows what loads).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from typing import TYPE_CHECKING, Sequence

from . import __version__, interrupt
from .codes import EXIT_ERROR, EXIT_INCONCLUSIVE, EXIT_OK, EXIT_VIOLATED, INCONCLUSIVE, REPORT_FORMAT, VERIFIED, VIOLATED
from .config import default_spec
from .loader import load_spec
from .spec import Spec, SpecError, UsageError
from .trace import TraceError

if TYPE_CHECKING:
    from .check import Report
    from .explorer import Limits

EXIT_CODES = f"""exit codes:
  {EXIT_OK}  every property VERIFIED over all reachable states
  {EXIT_VIOLATED}  at least one property VIOLATED (a counterexample was found and written)
  {EXIT_ERROR}  usage error, spec error, or model error (a guard, effect or property raised or
     called sys.exit(), an effect left the declared domains, or the successors are not deterministic)
  {EXIT_INCONCLUSIVE}  INCONCLUSIVE: a limit (--max-states, --max-depth, --max-seconds,
     --max-memory), Ctrl-C or SIGTERM stopped the search before a verdict; nothing was violated
     in the states explored
"""


EXPLAIN_CODES = f"""exit codes:
  {EXIT_OK}  the trace stops being possible (a guard is false) or no longer violates under the variant
  {EXIT_VIOLATED}  every step is still possible and the trace still violates the property
  {EXIT_ERROR}  usage, spec or trace error (missing, not a trace, stale)
  {EXIT_INCONCLUSIVE}  every step is still possible, but one state cannot tell whether the property
     still fails (always_possible): run verify under the variant
"""


_DEFAULT_HELP = "spec file (default: [tool.modelcheck] spec in pyproject.toml)"

PROVE_CODES = f"""exit codes:
  {EXIT_OK}  every property checked (all, or those named by --property) PROVED for every reachable
     state at these parameters
  {EXIT_VIOLATED}  at least one property VIOLATED (the trace, replayed explicitly, is written)
  {EXIT_ERROR}  usage or spec error, a spec outside the symbolic subset (not translatable),
     or a reachable model error
  {EXIT_INCONCLUSIVE}  UNKNOWN: the bound or the induction did not decide (a counterexample to
     induction is shown), or Z3 answered unknown; or a property of a kind prove does not decide
     (sometimes, always_possible, initially, always_step, eventually, leads_to) is among those
     checked: NOT DECIDED (check it with `modelcheck verify`)
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors exit 2 with a one-line message, as argparse does
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="modelcheck", description="Explicit-state model checker with Z3 properties.",
                epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"modelcheck {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    v = sub.add_parser("verify", help="explore every reachable state and check every property",
                       description="Explore every reachable state of SPEC and check every property. "
                                   "Without SPEC, check the project's default: `spec` in [tool.modelcheck] of "
                                   "pyproject.toml (its matrix with `matrix = true`).",
                       epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("spec", nargs="?", help="spec file (path[::Class]) or a name under specs/ "
                                           "(default: [tool.modelcheck] spec in pyproject.toml)")
    v.add_argument("--variant", help="named variant, or fixes joined with '+' (e.g. fixA+fixC)")
    v.add_argument("--scenario", help="named scenario (a preset of parameters)")
    v.add_argument("-p", "--param", action="append", default=[], metavar="K=V", help="set a parameter")
    v.add_argument("--matrix", nargs="?", const=True, default=False, metavar="NAME",
                   help="check every variant x scenario of the spec's matrix, or of its named matrix NAME "
                        "(the spec's `matrices`, e.g. --matrix deep)")
    _add_limits(v)
    v.add_argument("--json", action="store_true", help="print a machine-readable report on stdout")
    v.add_argument("--out", default="counterexamples", metavar="DIR",
                   help="where counterexample traces are written (default: counterexamples/)")
    v.add_argument("--witnesses", metavar="DIR", help="also write a witness trace for every `sometimes`")
    v.add_argument("--graph", metavar="FILE", help="write the state graph (.graphml or .dot)")
    v.add_argument("--junit", metavar="FILE", help="write JUnit XML: a testcase per property per cell "
                                                    "(INCONCLUSIVE is an error, never a skip)")
    v.add_argument("--sarif", metavar="FILE", help="write SARIF 2.1.0: a result per violated property, at its "
                                                    "definition, naming the shortest counterexample")
    v.add_argument("--quiet", action="store_true", help="no progress or statistics on stderr")
    v.add_argument("--coverage", action="store_true",
                   help="print per-action coverage on stderr: times each action fired and new states it produced")
    v.add_argument("--show", action="store_true", help="print the terminal view of each counterexample (as `show`)")
    v.add_argument("--all-violations", action="store_true",
                   help="collect every violating state, group them by cause, one shortest trace per class")
    v.add_argument("--no-reduction", action="store_true",
                   help="explore every state: no symmetry reduction (on by default where the spec declares a "
                        "symmetry and Z3 proves its properties symmetric)")
    v.add_argument("--exact-states", action="store_true",
                   help="keep every full state instead of 64-bit fingerprints (more memory; no collision risk)")
    v.add_argument("--workers", type=_positive_int, default=os.cpu_count() or 1, metavar="N",
                   help="explore on N processes once a BFS layer holds 2,000 states (default: all cores, "
                        f"{os.cpu_count() or 1} here); the results are those of one process")
    v.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="explore on the actors of a Ray cluster (one per CPU of the cluster) once a BFS layer "
                        "holds 2,000 states: the one at ADDRESS (e.g. HEAD:6379, see `ray start`), or a new "
                        "local one; the results are those of one process. Needs pip install 'modelcheck[ray]'")

    ab = sub.add_parser("ablate", help="check every subset of the spec's fixes in every scenario",
                        description="Check every subset of the fixes (params with fix=True) against every "
                                    "scenario; print the verdicts, the minimal sufficient subsets and the "
                                    "fixes necessary in every sufficient subset.",
                        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    ab.add_argument("spec", nargs="?", help=_DEFAULT_HELP)
    ab.add_argument("--scenario", action="append", help="only this scenario (repeatable)")
    ab.add_argument("-p", "--param", action="append", default=[], metavar="K=V", help="set a parameter")
    ab.add_argument("--no-share", action="store_true", help="explore every subset from scratch (for comparison)")
    ab.add_argument("--fix", action="append", metavar="NAME",
                    help="ablate only this fix (repeatable); the others stay off unless --base turns them on")
    ab.add_argument("--base", metavar="VARIANT",
                    help="keep the fixes this variant turns on in every cell and ablate only the others")
    ab.add_argument("--leave-one-out", action="store_true",
                    help="check only the full set and each set with one fix left out (is each fix necessary?), "
                         "not every subset")
    ab.add_argument("--json", action="store_true", help="print a machine-readable report on stdout")
    _add_limits(ab)

    ex = sub.add_parser("explain", help="replay a counterexample under another variant and say where it stops",
                        epilog=EXPLAIN_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    ex.add_argument("trace", help="a trace file written by modelcheck verify")
    ex.add_argument("--variant", required=True, help="the variant to replay it under (e.g. phase73, fixA+fixC)")
    ex.add_argument("--spec", metavar="PATH", help="the spec to replay it against (default: the one the trace names)")

    sh = sub.add_parser("show", help="show a trace: steps, changes, grid and why the property fails",
                        description="Replay TRACE against its spec and show it: one row per step (action, the "
                                    "upstream code it models, the variables that changed), the spec's grid of "
                                    "the last state if it has grid(), and why the property fails (or holds). "
                                    "Bad input (missing file, not a trace, spec not found, a trace that no "
                                    "longer replays) exits 2.",
                        epilog="exit codes:\n  0  shown (and written)\n  2  bad input, or a spec error",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    sh.add_argument("trace", help="a trace file written by modelcheck verify")
    sh.add_argument("other", nargs="?", metavar="TRACE2",
                    help="a second trace of the same spec: show the two side by side, aligned by their actions, "
                         "and where they part (with --html: as a web page)")
    sh.add_argument("--html", metavar="OUT.html", help="also write a self-contained web page to step through it")
    sh.add_argument("--itf", metavar="OUT.itf.json", help="also write it in the Informal Trace Format (Apalache, Quint)")
    sh.add_argument("--pytest", metavar="OUT.py", help="also write a pytest regression test that replays the trace "
                                                     "and asserts what it shows (after a fix: the step now blocked)")
    sh.add_argument("--quiet", action="store_true", help="do not print the terminal view")
    sh.add_argument("--spec", metavar="PATH", help="the spec to replay it against (default: the one the trace names)")
    sh.add_argument("--legend", action="store_true", help="also explain every code and mark of the grid")
    sh.add_argument("--var", action="append", metavar="NAME",
                    help="instead of the whole trace, follow one variable (NAME), element (NAME[i], NAME[i][j]) "
                         "or grid cell (ROW:COLUMN, e.g. f2:canon.B): who wrote it, when, from what to what "
                         "(repeatable)")

    pr = sub.add_parser("prove", help="prove the always properties with Z3: bounded model checking or k-induction",
                        description="Translate SPEC's actions into Z3 (running its own guards and effects on "
                                    "symbolic values) and decide its `always` properties (and deadlock freedom) "
                                    "without enumerating states: --bmc K searches every path of up to K steps (a "
                                    "violation found is "
                                    "a shortest one); --induction K runs k-induction, helped by the spec's "
                                    "declared helper invariants (class attribute `helpers`).",
                        epilog=PROVE_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    pr.add_argument("spec", help="spec file (path[::Class]) or a name under specs/")
    pr.add_argument("--variant", help="named variant, or fixes joined with '+'")
    pr.add_argument("--scenario", help="named scenario (a preset of parameters)")
    pr.add_argument("-p", "--param", action="append", default=[], metavar="K=V", help="set a parameter")
    how = pr.add_mutually_exclusive_group(required=True)
    how.add_argument("--bmc", type=_positive_int, metavar="K", help="bounded model checking to depth K")
    how.add_argument("--induction", type=_positive_int, metavar="K", help="k-induction with k = K")
    pr.add_argument("--property", action="append", default=[], metavar="NAME",
                    help="decide only this property (repeatable; `deadlock_free` names deadlock freedom); default: "
                         "every property, those prove cannot decide reported NOT DECIDED (exit 3)")
    pr.add_argument("--mine", action="store_true",
                    help="with --induction: mine helper invariants at small parameters (the spec's defaults with the "
                         "same variant and scenario, or --mine-param) and keep those inductive here (Houdini)")
    pr.add_argument("--mine-param", action="append", default=[], metavar="K=V",
                    help="a parameter of the small instance mined for helper invariants")
    pr.add_argument("--out", default="counterexamples", metavar="DIR",
                    help="where counterexample traces are written (default: counterexamples/)")
    pr.add_argument("--cti-html", metavar="OUT.html",
                    help="also write the (first) counterexample to induction as the viewer's web page")
    pr.add_argument("--quiet", action="store_true", help="no progress or statistics on stderr")

    ls = sub.add_parser("list", help="list a spec's variants, scenarios, parameters, actions and properties")
    ls.add_argument("spec", nargs="?", help=_DEFAULT_HELP)
    return p


def _add_limits(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-states", type=_positive_int, metavar="N", help="stop after N distinct states")
    p.add_argument("--max-depth", type=_positive_int, metavar="N", help="do not expand states deeper than N steps")
    p.add_argument("--max-seconds", type=_positive_float, metavar="S", help="stop after S seconds")
    p.add_argument("--max-memory", type=_positive_int, metavar="MB", help="stop when the process's resident memory exceeds MB megabytes (measured now, during each search)")


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return v


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not v > 0 or v != v or v == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return v


def _params(items: list[str]) -> dict[str, str]:
    out = {}
    for it in items:
        if "=" not in it:
            raise UsageError(f"-p expects K=V, got {it!r}")
        k, v = it.split("=", 1)
        out[k.strip()] = v
    return out


# The exit code a command has decided on before it prints its results. If the reader of stdout goes away
# (`modelcheck verify | head -1`), that code is still returned: a violation never exits 0.
_decided: list[int] = []


def _decide(code: int) -> int:
    _decided.append(code)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; SIGINT and SIGTERM stop it with what it has (see modelcheck.interrupt)."""
    with interrupt.handled():
        return _main(list(sys.argv[1:] if argv is None else argv))


def _main(argv: list[str]) -> int:
    _decided.clear()
    want_json = "--json" in argv  # until the arguments are parsed
    try:
        try:
            args = _parser().parse_args(argv)
        except SystemExit as e:  # --help
            return int(e.code or 0)
        want_json = bool(getattr(args, "json", False))
        if args.command is None:
            _parser().print_help(sys.stderr)
            return EXIT_ERROR
        if args.command == "verify":
            return _verify(args)
        if args.command == "list":
            return _list(args)
        if args.command == "show":
            return _show(args)
        if args.command == "ablate":
            return _ablate(args)
        if args.command == "explain":
            return _explain(args)
        if args.command == "prove":
            return _prove(args)
        raise UsageError(f"unknown command {args.command!r}")
    except (UsageError, SpecError, TraceError) as e:
        kind = {UsageError: "usage error", SpecError: "spec error", TraceError: "trace error"}[type(e)]
        return _fail(kind, str(e), EXIT_ERROR, want_json)
    except BrokenPipeError:
        try:  # keep the interpreter from complaining about the closed stdout at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            pass
        return _decided[-1] if _decided else EXIT_ERROR
    except SystemExit as e:  # raised by the spec (argparse's --help exit is handled above)
        return _fail("spec error", _spec_exit(e), EXIT_ERROR, want_json)
    except KeyboardInterrupt:  # outside the search (which stops by itself): loading, Z3 checks, writing
        return _fail("", f"interrupted ({interrupt.signal_name()}) before a verdict", EXIT_INCONCLUSIVE, want_json)
    except OSError as e:  # a trace, graph or output file that cannot be written
        name = e.filename2 or e.filename or "a file"  # filename2: the target of a rename
        return _fail("error", f"cannot write {name}: {e.strerror or e}", EXIT_ERROR, want_json)
    except Exception as e:  # a bug of ours: one line and exit 2, never a traceback that exits 1
        if os.environ.get("MODELCHECK_DEBUG"):
            raise
        return _fail("internal error", f"{type(e).__name__}: {e} (MODELCHECK_DEBUG=1 shows the traceback; "
                     f"please report it)", EXIT_ERROR, want_json)


def _spec_exit(e: SystemExit) -> str:
    """Where a spec called sys.exit() (or raised SystemExit): the innermost frame outside this package."""
    import traceback

    here = os.path.dirname(os.path.abspath(__file__))
    frames = [f for f in traceback.extract_tb(e.__traceback__)
              if not f.filename.startswith("<") and not os.path.abspath(f.filename).startswith(here + os.sep)]
    where = f"{frames[-1].filename}:{frames[-1].lineno}: " if frames else ""
    return (f"{where}the spec raised SystemExit({e.code!r}) (sys.exit() or exit()); a spec must not end the "
            f"process: raise an exception instead")


def _fail(kind: str, message: str, code: int, want_json: bool) -> int:
    """Report an error that ends the command: one line per message line on stderr and, with --json,
    a JSON report on stdout (`error`, `error_kind`, `exit_code`) so a pipeline never reads nothing."""
    prefix = f"modelcheck: {kind}: " if kind else "modelcheck: "
    for line in message.splitlines() or [""]:
        print(prefix + line, file=sys.stderr)
    if want_json:
        try:
            print(_json_report("error", {"error": message, "error_kind": kind or "interrupted", "exit_code": code}))
        except (BrokenPipeError, ValueError):
            pass
    return code


def _json_report(kind: str, body: dict) -> str:
    """A --json report: `format` (the version of report.schema.json it follows), `report` (which shape), the body."""
    return json.dumps({"format": REPORT_FORMAT, "report": kind, **body}, sort_keys=True, indent=1)


def _limits(args) -> Limits:
    from .explorer import Limits

    return Limits(args.max_states, args.max_depth, args.max_seconds, args.max_memory)


def _verify(args) -> int:
    from .check import check, report_json
    from .explorer import Progress

    typed_matrix = args.matrix
    if isinstance(args.matrix, str) and args.spec is None and (args.matrix.endswith(".py")
                                                               or os.path.exists(args.matrix.split("::")[0])):
        args.spec, args.matrix = args.matrix, True   # `verify --matrix SPEC`: the spec, not a matrix name
    if args.ray and args.spec is None and (args.ray.endswith(".py") or os.path.exists(args.ray.split("::")[0])):
        args.spec, args.ray = args.ray, ""   # `verify --ray SPEC`: the spec, not a cluster address
    if args.spec is None:
        cfg = default_spec("verify")
        args.spec = cfg.spec
        args.matrix = args.matrix or (cfg.matrix and not (args.variant or args.scenario))
    path, cls = load_spec(args.spec)
    overrides = _params(args.param)
    if args.matrix:
        if args.variant or args.scenario:
            raise UsageError("--matrix runs every variant and scenario; drop --variant/--scenario")
        for flag, given in (("--graph", args.graph), ("--all-violations", args.all_violations)):
            if given:
                raise UsageError(f"{flag} works on one cell: give --variant/--scenario"
                                 + (" instead of --matrix" if typed_matrix else ""))
        return _matrix(args, path, cls, overrides)
    bound = cls.bind(args.variant, args.scenario, overrides)
    progress = Progress(sys.stderr, enabled=not args.quiet and not args.json)  # the stream as it is now
    report = check(bound, path, _limits(args), out_dir=args.out, witness_dir=args.witnesses,
                   progress=progress, record_edges=bool(args.graph), all_violations=args.all_violations,
                   reduce=not args.no_reduction, exact=args.exact_states, workers=args.workers, ray=args.ray)
    _decide(report.exit_code)
    if args.json:
        print(_json_report("verify", report_json(report)))
        for msg in report.write_errors:
            print(f"modelcheck: error: {msg}", file=sys.stderr)
    else:
        _print_report(report, quiet=args.quiet)
        if args.coverage and report.result is not None:
            from tabulate import tabulate

            rows = [[name, f"{fired:,}", f"{new:,}"] for name, (fired, new) in report.result.coverage().items()]
            print(tabulate(rows, headers=["action", "fired", "new states"], colalign=("left", "right", "right")),
                  file=sys.stderr)
        if args.show:
            _show_counterexamples(report)
        if args.all_violations:
            _print_groups(report)
    if args.graph and report.result is not None:
        try:
            _write_graph(report, args.graph)
        except OSError as e:
            print(f"modelcheck: error: cannot write {e.filename or args.graph}: {e.strerror or e}", file=sys.stderr)
            return EXIT_VIOLATED if report.exit_code == EXIT_VIOLATED else EXIT_ERROR
    return _write_ci_reports(args, [report], report.exit_code)


def _write_ci_reports(args, reports: list[Report], code: int) -> int:
    """Write --junit and --sarif; a file that cannot be written turns a pass into exit 2 (a violation stays 1)."""
    if not (args.junit or args.sarif):
        return code
    from .report import write_junit, write_sarif

    for path, write in ((args.junit, write_junit), (args.sarif, write_sarif)):
        if path:
            try:
                write(reports, path)
            except OSError as e:
                print(f"modelcheck: error: cannot write {path}: {e.strerror or e}", file=sys.stderr)
                code = code if code == EXIT_VIOLATED else EXIT_ERROR
    return code


def _prove(args) -> int:
    from .symbolic.encode import NotTranslatable, crosscheck, encode
    from .symbolic.prove import ERROR, PROVED, UNKNOWN, VIOLATED as P_VIOLATED, Deadlock, EncodingMismatch, \
        SolverUnknown, bmc, induction
    from .trace import dump, trace_from_path
    from .viewer import render_html, render_text
    from .z3bridge import compile_properties

    path, cls = load_spec(args.spec)
    bound = cls.bind(args.variant, args.scenario, _params(args.param))
    label = path + (f" [{'/'.join(x for x in (bound.variant, bound.scenario) if x)}]"
                    if bound.variant or bound.scenario else "")
    compiled = compile_properties(bound)
    props = [p for p in compiled if p.kind == "always"]
    if bound.cls.check_deadlock:
        props.append(Deadlock([p.formula for p in compiled if p.kind == "terminal"]))
    undecided = [p for p in compiled if p.kind not in ("always", "terminal")]
    helpers = {n: "declared" for n in getattr(cls, "helpers", ())}
    unknown_helpers = [n for n in helpers if n not in {p.name for p in props}]
    if unknown_helpers:
        raise SpecError(f"{path}: helpers names {unknown_helpers[0]!r}, which is not an always property of "
                        f"{cls.__name__}")
    if args.property:
        names = [p.name for p in props] + [p.name for p in undecided]
        for n in args.property:
            if n not in names:
                raise UsageError(f"--property {n}: {cls.__name__} has no such property (it has: {', '.join(names)})")
        props = [p for p in props if p.name in args.property or p.name in helpers]   # helpers: part of the proof
        undecided = [p for p in undecided if p.name in args.property]
    t0 = time.monotonic()
    try:
        enc = encode(bound)
        enc.add_leaves(compiled.leaves, compiled.ns)   # leaves the formulas made on use (sequence elements)
        compared = crosscheck(enc)
    except NotTranslatable as e:
        raise SpecError(f"not translatable: {e}; the spec can still be checked with `modelcheck verify`") from None
    t1 = time.monotonic()
    try:
        if args.bmc is not None:
            if args.mine or args.mine_param:
                raise UsageError("--mine works with --induction")
            outcomes = bmc(enc, props, args.bmc)
        elif args.mine or args.mine_param:
            from .symbolic.houdini import houdini, instantiate, mine
            small = cls.bind(args.variant, args.scenario, _params(args.mine_param))
            try:
                cands = mine(small)
            except ValueError as e:
                raise UsageError(f"--mine: {e}") from None
            inst = instantiate(cands, bound)
            _, kept, used = houdini(enc, props, inst)
            if not args.quiet:
                print(f"mined {len(cands):,} candidate helper invariants at {small.param_text()} "
                      f"({len(inst):,} instances here); {len(kept):,} instances inductive together (Houdini)",
                      file=sys.stderr)
            note = [f"{len(kept):,} mined and proved inductive by Houdini, of which the step uses: "
                    + "; ".join(used)] if kept and used else \
                [f"{len(kept):,} mined and proved inductive by Houdini, assumed (its 1-step proof needs none)"] \
                if kept else []
            outcomes = induction(enc, props, args.induction, helpers, invariants=[f for _, _, f in kept],
                                 mined=note)
        else:
            outcomes = induction(enc, props, args.induction, helpers)
    except SolverUnknown as e:
        print(f"{label}: UNKNOWN: Z3 answered unknown ({e}); params {bound.param_text()}")
        return _decide(EXIT_INCONCLUSIVE)
    except EncodingMismatch as e:
        print(f"modelcheck: internal error: the symbolic encoding disagrees with the spec: {e} (please report it)",
              file=sys.stderr)
        return _decide(EXIT_ERROR)
    params = bound.param_text()
    codes = []
    lines, shown = [], []
    prop_of = {p.name: p for p in props}
    for name in [p.name for p in props] + [ERROR]:
        o = outcomes.get(name)
        if o is None:
            continue
        what = "no model error" if name == ERROR else name if isinstance(prop_of.get(name), Deadlock) \
            else f"always {name}"
        if o.verdict == PROVED:
            used = f"; helper invariants: {', '.join(o.helpers)}" if o.helpers and name != ERROR else ""
            lines.append(f"{label}: {what}: PROVED ({o.method}{used}; every reachable state; params {params})")
            codes.append(EXIT_OK)
        elif o.verdict == P_VIOLATED and name == ERROR:
            lines.append(f"{label}: model error reachable in {o.steps} steps ({o.method}; params {params}): "
                         f"a step raises or leaves the declared domains; run `modelcheck verify` to see it")
            codes.append(EXIT_ERROR)
        elif o.verdict == P_VIOLATED:
            tr = trace_from_path(bound, path, name, "deadlock" if isinstance(prop_of[name], Deadlock) else "always",
                                 "VIOLATED", o.path)
            where = ""
            if args.out:
                from .check import trace_filename
                out = os.path.join(args.out, trace_filename(path, bound, name + ".bmc"))
                dump(tr, out)
                where = f" -> {out}"
            lines.append(f"{label}: {what}: VIOLATED in {o.steps} step{'s' if o.steps != 1 else ''} "
                         f"({o.method}; params {params}){where}")
            codes.append(EXIT_VIOLATED)
        else:
            lines.append(f"{label}: {what}: UNKNOWN ({o.method}; params {params})")
            codes.append(EXIT_INCONCLUSIVE)
            if o.cti:
                shown.append((what, o))
    for p in undecided:
        lines.append(f"{label}: {p.kind} {p.name}: NOT DECIDED (prove decides always properties and deadlock freedom "
                     f"only; check it with `modelcheck verify`)")
        codes.append(EXIT_INCONCLUSIVE)
    code = _decide(EXIT_VIOLATED if EXIT_VIOLATED in codes else EXIT_ERROR if EXIT_ERROR in codes
                   else EXIT_INCONCLUSIVE if EXIT_INCONCLUSIVE in codes else EXIT_OK)
    for line in lines:
        print(line)
    for k, (what, o) in enumerate(shown):
        view = _cti_view(bound, path, what, o)
        print()
        print(render_text(view, tty=_tty()))
        if k == 0 and args.cti_html:
            with open(args.cti_html, "w", encoding="utf-8") as f:
                f.write(render_html(view))
            print(f"wrote {args.cti_html}", file=sys.stderr)
    if not args.quiet:
        print(f"statistics: {len(enc.branches):,} symbolic branches in {t1 - t0:.2f} s (Z3's successors equal the "
              f"explicit ones on the first {compared:,} reachable states), "
              f"{'bmc' if args.bmc is not None else 'induction'} in {time.monotonic() - t1:.2f} s", file=sys.stderr)
    return code


def _cti_view(bound, path: str, what: str, o):
    """A counterexample to induction as a trace view (its first state is not known to be reachable: it
    satisfies the hypothesis, and the property breaks in its last state)."""
    from .trace import trace_from_path
    from .types import diff as diff_values
    from .viewer import StepView, TraceView

    tr = trace_from_path(bound, path, o.property, "always", "UNKNOWN", o.path)
    steps, prev = [], None
    for i, (lab, s) in enumerate(o.path):
        if lab is None:
            steps.append(StepView(0, "cti", "(any such state)", "satisfies every property of the hypothesis",
                                  bound.show(s), [], [], None))
        else:
            a, args = lab
            changed = [n for n, x, y in zip(bound.names, prev, s) if x != y]
            d = []
            for n in changed:
                k = bound.names.index(n)
                d += diff_values(bound.variables[n], n, prev[k], s[k], 56)
            steps.append(StepView(i, a.name, bound.label(a, args), (a.doc or "").strip().split("\n")[0],
                                  bound.show(s), changed, d, None))
        prev = s
    n = len(steps) - 1
    view = TraceView(tr, bound, path, None, steps, [], set(), [], [],
                     f"{what}: counterexample to induction, {n} step{'s' if n != 1 else ''}",
                     f"{what} holds in steps 0..{n - 1} (all pairwise distinct) and "
                     + (f"a step from the state at step {n} raises or leaves the declared domains"
                        if what == "no model error" else f"fails at step {n}")
                     + "; if the first state is unreachable, a helper invariant that excludes it may complete "
                       "the proof",
                     n, states=[s for _, s in o.path])
    return view


def _print_groups(report: Report) -> None:
    for prop, classes in report.groups.items():
        n = len(report.result.violating[prop])
        print(f"{report.label}: always {prop}: {n:,} violating states in {len(classes)} "
              f"class{'es' if len(classes) != 1 else ''} (grouped by the transition that entered the violation)")
        for k, (c, tr, path) in enumerate(classes, 1):
            where = f" -> {path}" if path else ""
            print(f"  class {k}: {c.signature}: {c.states:,} state{'s' if c.states != 1 else ''}; "
                  f"shortest {tr.length} step{'s' if tr.length != 1 else ''}{where}")


def _ablate(args) -> int:
    from tabulate import tabulate

    from .analysis import ablate, subset_name

    path, cls = load_spec(args.spec or default_spec("ablate").spec)
    scenarios = args.scenario or None
    if scenarios:
        for sc in scenarios:
            if sc not in cls.scenarios:
                raise UsageError(f"unknown scenario {sc!r}; known: {', '.join(cls.scenarios) or '(none)'}")
    quiet = args.json

    def on_cell(c):
        if not quiet:
            print(f"checked {subset_name(c.subset)} / {c.scenario or '-'}: {c.states:,} states, "
                  f"{c.seconds:.1f} s", file=sys.stderr)

    ab = ablate(cls, path, scenarios, _params(args.param), _limits(args), share=not args.no_share, on_cell=on_cell,
                base=args.base, leave_one_out=args.leave_one_out, only=args.fix)

    def row_name(subset):
        if not ab.leave_one_out:
            return subset_name(subset)
        left = [f for f in ab.fixes if f not in subset]
        return f"without {left[0]}" if left else f"all {len(ab.fixes)}"
    verdicts = [v for c in ab.cells for v, _ in c.verdicts.values()]
    code = _decide(EXIT_VIOLATED if VIOLATED in verdicts else EXIT_INCONCLUSIVE if INCONCLUSIVE in verdicts
                   or ab.not_run else EXIT_OK)
    decided = [sc for sc in ab.scenarios if ab.decided(sc)]
    if ab.interrupted:
        print(f"modelcheck: interrupted ({ab.interrupted}): {len(ab.cells)} of {len(ab.cells) + len(ab.not_run)} "
              f"cells checked, {len(ab.not_run)} not run; those are INCONCLUSIVE", file=sys.stderr)
    if args.json:
        print(_json_report("ablate", {
            "spec": path, "fixes": ab.fixes, "base": ab.base, "leave_one_out": ab.leave_one_out,
            "seconds": round(ab.seconds, 2),
            "cells": [{"fixes": list(c.subset), "scenario": c.scenario, "states": c.states,
                       "verdicts": {k: {"verdict": v, "steps": n} for k, (v, n) in c.verdicts.items()}}
                      for c in ab.cells],
            "minimal_sufficient": {str(sc): [list(s) for s in ab.minimal_sufficient(sc)] for sc in decided},
            "necessary": {str(sc): ab.necessary(sc) for sc in decided},
            "no_observable_effect": ab.no_effect(), "never_read": ab.never_read, "exit_code": code,
            "not_run": [{"fixes": list(f), "scenario": sc} for f, sc in ab.not_run], "interrupted": ab.interrupted,
        }))
        return code
    props = list(ab.cells[0].verdicts) if ab.cells else []
    props += list(dict.fromkeys(p for c in ab.cells for p, (v, _) in c.verdicts.items()  # one n/a in the first
                                if p not in props and v != VERIFIED))                  # scenario, shown elsewhere
    short = {p: chr(ord("a") + i) if len(props) > 1 else "" for i, p in enumerate(props)}
    rows = []
    for subset in ab.subsets():
        row = {"fixes": row_name(subset)}
        for sc in ab.scenarios:
            c = ab.cell(subset, sc)
            if c is None:  # a stop signal kept it from starting
                row[sc or "-"] = "?"
                continue
            bad = [f"{short[p]}{'✗' if v == VIOLATED else '?'}{n if n is not None else ''}"
                   for p, (v, n) in c.verdicts.items() if v != VERIFIED]
            row[sc or "-"] = "ok" if not bad else " ".join(bad)
        rows.append(row)
    what = "the full set and each set with one left out" if ab.leave_one_out else f"{len(ab.subsets())} subsets"
    on = f", each on top of {args.base} ({'+'.join(ab.base)})" if ab.base else ""
    print(f"{path}: fix ablation, {what} of {{{', '.join(ab.fixes)}}}{on} x "
          f"{len(ab.scenarios)} scenarios; every cell over all reachable states unless marked '?'; params {ab.params}")
    print(tabulate(rows, headers="keys", tablefmt="github"))
    if len(props) > 1:
        print("legend: ok = every property VERIFIED; " + ", ".join(f"{short[p]} = {p}" for p in props)
              + "; ✗n = VIOLATED, shortest counterexample n steps; ? = INCONCLUSIVE" + _liveness_note(cls, short))
    for sc in ab.scenarios:
        mins = ab.minimal_sufficient(sc)
        nec = ab.necessary(sc)
        label = sc or "-"
        if sc not in decided:
            print(f"{label}: not decided (cells marked '?' did not run to the end)")
        elif not mins:
            print(f"{label}: no subset of fixes is sufficient" + (" among those checked" if ab.leave_one_out else ""))
        elif ab.leave_one_out:
            full = ab.cell(tuple(ab.fixes), sc)
            if not full.sufficient:
                print(f"{label}: the full set is not sufficient")
            else:
                spare = [f for f in ab.fixes if f not in nec]
                print(f"{label}: the full set is sufficient; necessary (leaving it out breaks a property): "
                      f"{', '.join(nec) or 'none'}" + (f"; not needed here: {', '.join(spare)}" if spare else ""))
        else:
            names = ", ".join(subset_name(m) if m else "the empty set (no fix needed)" for m in mins)
            print(f"{label}: minimal sufficient: {names}; "
                  f"necessary in every sufficient subset: {', '.join(nec) if nec else 'none'}")
    if ab.leave_one_out and all(sc in decided for sc in ab.scenarios):
        needed = {f for sc in ab.scenarios if ab.cell(tuple(ab.fixes), sc).sufficient for f in ab.necessary(sc)}
        if all(ab.cell(tuple(ab.fixes), sc).sufficient for sc in ab.scenarios):
            idle = [f for f in ab.fixes if f not in needed]
            print("every fix is necessary in some scenario: no set with one left out is sufficient everywhere"
                  if not idle else f"not necessary in any scenario checked: {', '.join(idle)}")
    for f in ab.no_effect():
        why = "never read by the spec" if f in ab.never_read else "same verdicts and state counts with or without it"
        print(f"{f}: changes nothing observable ({why})")
    total = ab.hits + ab.misses
    share = (f"; successor computations shared between subsets: {ab.hits:,} of {total:,} "
             f"({100 * ab.hits / max(total, 1):.0f}%)") if total else ""
    print(f"total {ab.seconds:.1f} s{share}")
    return code


def _explain(args) -> int:
    from .analysis import explain
    from .trace import bind_trace, load

    trace = load(args.trace)
    _, bound = bind_trace(trace, args.trace, args.spec)  # finds the spec as `show` does, checks the params fit
    cls = bound.cls
    ex = explain(cls, trace, args.variant)
    print(f"{args.trace}: {trace.kind} {trace.property} (variant {trace.variant or 'default'}, "
          f"{trace.length} steps) replayed under {args.variant}:")
    for line in ex.lines:
        print(f"  {line}")
    _decide(EXIT_INCONCLUSIVE if ex.blocked_at is None and ex.still_violates is None
            else EXIT_VIOLATED if ex.blocked_at is None and ex.still_violates else EXIT_OK)
    return _decided[-1]


def _print_report(report: Report, quiet: bool = False) -> None:
    res = report.result
    for v in report.verdicts:
        print(v.line(report.label))
    for msg in report.write_errors:
        print(f"modelcheck: error: {msg}", file=sys.stderr)
    for name in report.not_applicable:
        print(f"modelcheck: note: {name} not checked: it does not apply with these parameters", file=sys.stderr)
    if report.error:
        print(f"modelcheck: model error: {report.error}", file=sys.stderr)
    for w in report.warnings:
        print(f"modelcheck: warning: {w}", file=sys.stderr)
    if res is not None and not quiet:
        rate = res.distinct / max(res.seconds, 1e-9)
        status = "complete" if res.complete else f"stopped: {res.stop_reason}"
        status += "; exact states" if res.exact else "; 64-bit fingerprints"
        status += f"; {res.workers} workers" if res.workers > 1 and not res.messages else ""
        if res.messages:
            m = res.messages
            status += (f"; Ray: {m['actors']} actors on {m['hosts']} host(s), {m['batches']:,} batches "
                       f"({m['batch_bytes'] / 2 ** 20:,.1f} MB), {m.get('lookups', 0):,} owner lookups "
                       f"({m.get('lookup_bytes', 0) / 2 ** 20:,.1f} MB), {m['fingerprints_sent']:,} fingerprints "
                       f"to owners, {m['moved_states']:,} states moved")
        outside = f" ({res.constrained:,} outside the constraints)" if res.constrained else ""
        print(f"statistics: {res.distinct:,} distinct states, {res.generated:,} generated{outside}, depth {res.depth}, "
              f"{res.seconds:.2f} s ({rate:,.0f} states/s), peak memory {res.peak_memory_mb:,.0f} MB; {status}",
              file=sys.stderr)


def _write_graph(report: Report, path: str) -> None:
    import networkx as nx

    g = report.result.graph()
    if path.endswith(".dot") or path.endswith(".gv"):
        with open(path, "w") as f:
            f.write("digraph states {\n")
            for n, d in g.nodes(data=True):
                f.write(f'  s{n} [label="{d["fp"]}"];\n')
            for a, b, d in g.edges(data=True):
                lab = d["action"].replace('"', "'")
                f.write(f'  s{a} -> s{b} [label="{lab}"];\n')
            f.write("}\n")
    else:
        nx.write_graphml(g, path)
    print(f"graph: {g.number_of_nodes():,} states, {g.number_of_edges():,} transitions -> {path}", file=sys.stderr)
    sm = report.result.graph_summary()
    shape = ("acyclic: every run ends" if sm["acyclic"] else
             f"{sm['nontrivial_sccs']:,} cycle-carrying component(s), largest {sm['largest_scc']:,} states, "
             f"{sm['self_loops']:,} self-loop(s)")
    print(f"graph: {sm['sccs']:,} strongly connected components; {shape}", file=sys.stderr)


def named_matrix(cls: type[Spec], name: str | bool) -> dict:
    """The spec's default matrix (`matrix`; `--matrix` alone or `--matrix default`) or a named one
    (`matrices[name]`): optional "variants", "scenarios" and "params" (applied to every cell)."""
    named = getattr(cls, "matrices", None) or {}
    if name is True or (name == "default" and "default" not in named):
        return cls.matrix or {}
    if name not in named:
        raise UsageError(f"unknown matrix {name!r}; known: {', '.join(['default', *named])}")
    return named[name]


def _matrix(args, path: str, cls: type[Spec], overrides: dict[str, str]) -> int:
    from .check import check, exit_code, report_json
    from .explorer import Progress

    m = named_matrix(cls, args.matrix)
    variants = m.get("variants") or list(cls.variants) or [None]
    scenarios = m.get("scenarios") or list(cls.scenarios) or [None]
    overrides = {**m.get("params", {}), **overrides}   # -p wins over the matrix's own parameters
    reports: list[Report] = []
    not_run: list[tuple[str | None, str | None]] = []  # cells a stop signal kept from finishing or starting
    t0 = time.monotonic()
    quiet = args.quiet or args.json
    for variant in variants:
        for scenario in scenarios:
            if not_run or interrupt.requested() or any(_interrupted(r) for r in reports):
                not_run.append((variant, scenario))  # one Ctrl-C (or SIGTERM) stops the whole matrix
                continue
            bound = cls.bind(variant, scenario, overrides)
            try:
                rep = check(bound, path, _limits(args), out_dir=args.out, witness_dir=args.witnesses,
                            progress=Progress(sys.stderr, enabled=not quiet), reduce=not args.no_reduction,
                            exact=args.exact_states, workers=args.workers, ray=args.ray)
            except KeyboardInterrupt:  # outside the search (compiling properties, writing traces)
                not_run.append((variant, scenario))
                continue
            reports.append(rep)
            res = rep.result
            res.release()  # traces are written: the matrix keeps counts and verdicts, not each cell's states
            if not quiet:
                print(f"checked {variant or '-'} / {scenario or '-'}: {res.distinct:,} states, "
                      f"{res.seconds:.1f} s", file=sys.stderr)
            if rep.error:
                print(f"modelcheck: model error in {variant}/{scenario}: {rep.error}", file=sys.stderr)
    total = time.monotonic() - t0
    code = exit_code(reports)
    if not_run and code == EXIT_OK:
        code = EXIT_INCONCLUSIVE
    _decide(code)
    for msg in sorted({m for r in reports for m in r.write_errors}):
        print(f"modelcheck: error: {msg}", file=sys.stderr)
    stopped = interrupt.requested() or any(_interrupted(r) for r in reports)
    if stopped:
        cut = sum(1 for r in reports if _interrupted(r))
        print(f"modelcheck: interrupted ({interrupt.signal_name()}): {len(reports)} of {len(reports) + len(not_run)} "
              f"cells checked ({cut} cut short), {len(not_run)} not run; those are INCONCLUSIVE", file=sys.stderr)
    if args.json:
        print(_json_report("matrix", {"matrix": [report_json(r) for r in reports], "seconds": round(total, 2),
                                      "not_run": [{"variant": v, "scenario": s} for v, s in not_run],
                                      "interrupted": interrupt.signal_name() if stopped else None,
                                      "exit_code": code}))
        return _write_ci_reports(args, reports, code)
    print(matrix_table(path, cls, cls.bind(None, None, overrides), variants, scenarios, reports, args.out, not_run))
    if not args.quiet:
        print(f"statistics: {len(reports)} cell{'s' * (len(reports) != 1)}, total {total:.1f} s", file=sys.stderr)
    if args.show:
        for r in reports:
            _show_counterexamples(r)
    if stopped or not all(r.result.complete for r in reports):  # an action may fire in what was not explored
        for w in sorted({w for r in reports for w in r.warnings if not w.startswith("action ")}):
            print(f"modelcheck: warning: {w}", file=sys.stderr)
        return _write_ci_reports(args, reports, code)
    from .check import never_fired_warning
    fired_nowhere = set.intersection(*(set(r.never_fired) for r in reports if r.error is None)) if reports else set()
    warnings = {w for r in reports for w in r.warnings if not w.startswith("action ")}
    warnings |= {never_fired_warning(n, "every cell of the matrix") for n in fired_nowhere}
    for w in sorted(warnings):
        print(f"modelcheck: warning: {w}", file=sys.stderr)
    return _write_ci_reports(args, reports, code)


def _interrupted(report: Report) -> bool:
    return report.result is not None and report.result.stop_reason.startswith("interrupted")


TABLE_WIDTH = 120  # the matrix fits a 120-column terminal, and prints the same text every run (no timings)

_SYMBOLS = {"ok": "ok = VERIFIED over all reachable states",
            "✗": "✗n = VIOLATED, shortest counterexample n steps",
            "?": "? = INCONCLUSIVE (a limit or a stop signal cut the search short, or it never started)",
            "n/a": "n/a = the property does not apply to that scenario",
            "-": "- = not checked (a model error, reported on stderr)"}


def _wrap(text: str) -> list[str]:
    """`text` wrapped at TABLE_WIDTH, continuation lines indented; "\0" is a space that does not break a line."""
    import textwrap

    return [ln.replace("\0", " ") for ln in textwrap.wrap(text, TABLE_WIDTH, subsequent_indent="  ",
                                                           break_long_words=False, break_on_hyphens=False)]


def matrix_caption(path: str, cls: type[Spec], base, variants: list, scenarios: list, n: int) -> list[str]:
    """The lines above the matrix table: what the cells are, the bounds, what each scenario sets."""
    nv, ns = len([v for v in variants if v]), len([s for s in scenarios if s])
    shape = " x ".join(f"{k} {what}{'s' * (k != 1)}" for k, what in ((nv, "variant"), (ns, "scenario")) if k)
    lines = _wrap(f"{path}: {n} cell{'s' * (n != 1)}{f' ({shape})' if shape else ''}; every verdict holds over all "
                  f"reachable states of its cell unless marked '?'")
    lines += _wrap(f"params: {base.param_text()}")
    sets = [f"{s}: " + (", ".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}"
                                  for k, v in cls.scenarios.get(s, {}).items()) or "defaults")
            for s in scenarios if s]
    if sets:
        lines += _wrap("scenarios set: " + "; ".join(sets))
    return lines


def matrix_table(path: str, cls: type[Spec], base, variants: list, scenarios: list, reports: list[Report],
                 out_dir: str | None, not_run: list[tuple[str | None, str | None]] = ()) -> str:
    """The matrix as text: a caption, one github-style table row per cell, the key and the legend.

    Every line fits TABLE_WIDTH columns (except long paths, and tables of more than about 16 properties).
    Columns are named after the properties when that fits, else lettered a, b, c ... with a key below.
    Nothing in it varies between runs."""
    from tabulate import tabulate

    props = [p.name for p in cls.property_defs() if p.kind != "terminal"]
    if cls.check_deadlock and "deadlock_free" not in props:
        props.append("deadlock_free")
    axes = [(name, [getattr(r.bound, name) for r in reports] + [cut[k] for cut in not_run])
            for k, name in enumerate(("variant", "scenario"))]
    axes = [(name, vals) for name, vals in axes if any(vals)]  # a spec without variants has no variant column
    cells = []
    for k, rep in enumerate(reports):
        verdicts = {v.property: _cell(v) for v in rep.verdicts}
        cells.append([vals[k] or "-" for _, vals in axes]
                     + [verdicts.get(p, "n/a" if p in rep.not_applicable else "-") for p in props]
                     + [f"{rep.result.distinct:,}", rep.result.depth])
    for k in range(len(reports), len(reports) + len(not_run)):  # stopped before it finished: every verdict open
        cells.append([vals[k] or "-" for _, vals in axes] + ["?"] * len(props) + ["-", "-"])

    def render(headers: list[str]) -> str:
        return tabulate(cells, headers=[name for name, _ in axes] + headers + ["states", "depth"], tablefmt="github",
                        colalign=["left"] * (len(axes) + len(headers)) + ["right", "right"])

    table = render(props)
    key = []
    if max(len(line) for line in table.splitlines()) > TABLE_WIDTH:
        letters = [chr(ord("a") + i) for i in range(len(props))]
        table = render(letters)
        key = _wrap("columns: " + ", ".join(f"{a}\0=\0{p}" for a, p in zip(letters, props)))
    lines = matrix_caption(path, cls, base, variants, scenarios, len(reports) + len(not_run))
    lines += [table] + key
    used = {c if not c.startswith("✗") else "✗" for row in cells for c in row[len(axes):-2]}
    named = dict(zip(props, letters)) if key else {p: p for p in props}
    lines += _wrap("legend: " + "; ".join(text.replace(" ", "\0") for sym, text in _SYMBOLS.items() if sym in used)
                   + _liveness_note(cls, named))
    written = sum(1 for r in reports for v in r.verdicts if v.verdict == VIOLATED and v.file)
    if written:
        lines += _wrap(f"counterexamples: {written} written to {out_dir}/ as SPEC.VARIANT.SCENARIO.PROPERTY.json")
    return "\n".join(lines)


def _liveness_note(cls: type[Spec], column: dict[str, str]) -> str:
    """The legend's note on the liveness columns (`eventually`, `leads_to`), '' when there are none: their
    verdicts hold over the fair behaviours, and a violation is a lasso, not always the shortest one."""
    live = [column[p.name] for p in cls.property_defs() if p.kind in ("eventually", "leads_to") and p.name in column]
    if not live:
        return ""
    return (f"; {', '.join(live)}: liveness, over the behaviours fair as the spec declares (each verdict line "
            f"names the fairness), ✗n a lasso of n steps, not always the shortest")


def _cell(v) -> str:
    if v.verdict == VERIFIED:
        return "ok"
    if v.verdict == VIOLATED:
        return f"✗{v.steps}" if v.steps is not None else "✗"
    return "?"


def _list(args) -> int:
    from tabulate import tabulate

    path, cls = load_spec(args.spec or default_spec("list").spec)
    _decide(EXIT_OK)
    print(f"{path}: spec {cls.__name__}")
    doc = (cls.__doc__ or "").strip().splitlines()
    if doc:
        print(f"  {doc[0]}")
    print("\nparameters:")
    print(tabulate([[n, repr(p.default), repr(p.domain), "fix" if p.fix else "", p.doc] for n, p in cls.parameters().items()],
                   headers=["name", "default", "domain", "", "meaning"]))
    print("\nvariants:")
    for n, d in cls.variants.items():
        print(f"  {n}: " + (", ".join(f"{k}={v}" for k, v in d.items()) or "(defaults)"))
    if cls.fixes():
        print(f"  (or any '+'-joined set of fixes: {', '.join(cls.fixes())})")
    print("\nscenarios:")
    for n, d in cls.scenarios.items():
        print(f"  {n}: " + (", ".join(f"{k}={v}" for k, v in d.items()) or "(defaults)"))
    print("\nactions:")
    for a in cls.action_defs():
        fair = f" (fair: {a.fair})" if isinstance(a.fair, str) and a.fair != "none" else \
            " (fair: by parameters)" if callable(a.fair) else ""
        print(f"  {a.name}{fair}: {a.doc.splitlines()[0] if a.doc else ''}")
    print("\nproperties:")
    for p in cls.property_defs():
        print(f"  {p.kind} {p.name}: {p.doc.splitlines()[0] if p.doc else ''}")
    if cls.constraint_defs():
        print("\nconstraints (the search explores only states that satisfy them):")
        for c in cls.constraint_defs():
            print(f"  {c.name}: {c.doc.splitlines()[0] if c.doc else ''}")
    print("\nreductions:")
    try:
        lines = _reductions_text(cls)
    except SpecError as e:  # a spec error verify would report too
        lines = [f"cannot tell: {str(e).splitlines()[0]}"]
    for line in lines:
        print(f"  {line}")
    return EXIT_OK


def _reductions_text(cls: type) -> list[str]:
    """What the spec declares for reductions (symmetry, footprints, final flags) at its defaults, and what
    `verify` reduces by default (there, and in each cell of its matrix)."""
    from .check import choose_reductions
    from .reduce import por, symmetry
    from .z3bridge import compile_properties

    bound = cls.bind()
    sym = symmetry.compile_symmetry(bound)
    fp = por.compile_footprints(bound)
    lines = [f"symmetry: {sym.sym.name} over {', '.join(map(str, sym.sym.values))} in {', '.join(sym.sym.places)}" if sym is not None
             else "symmetry: none declared"]
    if fp is None:
        lines.append("footprints: none declared")
    else:
        needs = sorted({n for a in fp.needs.values() for v, _ in a for n in ([v] if isinstance(v, int) else v)})
        lines.append(f"footprints: declared for {len(fp.table)} actions" + (f"; final flags {fp.names(fp.final)}" if fp.final else "")
                     + (f"; needs on {fp.names(set(needs))}" if needs else ""))
    cells = [(v, sc) for v in (cls.matrix or {}).get("variants") or [None]
             for sc in (cls.matrix or {}).get("scenarios") or [None]] if cls.matrix else [(None, None)]
    seen: dict[str, list[str]] = {}
    for v, sc in cells:
        b = cls.bind(v, sc)
        _c, _r, on, warnings = choose_reductions(b, compile_properties(b))
        what = ", ".join(on) or "nothing" + ("".join(f" ({w})" for w in warnings) if warnings else "")
        seen.setdefault(what, []).append("/".join(x for x in (v, sc) if x) or "defaults")
    for what, where in seen.items():
        scope = "" if where == ["defaults"] else (" in every matrix cell" if len(where) == len(cells) and len(cells) > 1
                                                   else f" in {', '.join(where)}")
        lines.append(f"verify reduces{scope}: {what}")
    return lines


def _tty(stream=None) -> bool:
    """Whether to mark text with terminal escapes: NO_COLOR (any value) turns it off, FORCE_COLOR on,
    TERM=dumb off; otherwise only on a terminal (the order Python's own colouring follows)."""
    env = os.environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    stream = sys.stdout if stream is None else stream
    return bool(getattr(stream, "isatty", lambda: False)())


def _show(args) -> int:
    from . import itf, viewer

    if args.other:
        if args.pytest:
            raise UsageError("--pytest writes a test for one trace; give one TRACE")
        return _show_two(args)
    view = viewer.open_trace(args.trace, args.spec)
    _decide(EXIT_OK)
    if not args.quiet:
        if args.var:
            print(viewer.render_histories(view, args.var))
        else:
            print(viewer.render_text(view, tty=_tty(), show_legend=args.legend))
    if args.pytest:
        from .testing import regression_test
    _write_outputs([(args.html, viewer.render_html(view) if args.html else None),
                    (args.itf, itf.dumps(view.bound, view.trace) if args.itf else None),
                    (args.pytest, regression_test(view.trace, view.spec_path, args.trace) if args.pytest else None)])
    return EXIT_OK


def _write_outputs(outputs: list) -> None:
    for out, text in outputs:
        if out:
            try:
                with open(out, "w", encoding="utf-8") as f:
                    f.write(text)
            except OSError as e:
                raise UsageError(f"{out}: cannot write: {e.strerror}") from None
            print(f"wrote {out}", file=sys.stderr)


def _show_two(args) -> int:
    from . import viewer

    for flag in ("itf", "var", "legend"):
        if getattr(args, flag):
            raise UsageError(f"--{flag} takes one trace; with two, show prints them side by side (and --html)")
    cmp = viewer.compare(viewer.open_trace(args.trace), viewer.open_trace(args.other))
    _decide(EXIT_OK)
    if not args.quiet:
        print(viewer.render_comparison(cmp))
    _write_outputs([(args.html, viewer.render_comparison_html(cmp) if args.html else None)])
    return EXIT_OK


def _show_counterexamples(report: Report) -> None:
    from . import viewer

    for v in report.verdicts:
        if v.verdict == VIOLATED and v.trace is not None:
            view = viewer.build_view(report.bound, v.trace, report.spec_path, source=v.file)
            print()
            print(viewer.render_text(view, tty=_tty()))
