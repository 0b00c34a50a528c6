"""Kernel side of a lab's rules (``rules``): make what the answers may not use absent from the process.

``forbid(rules)`` runs first in a fresh kernel, before any cell. It travels there by source (see ``probes``:
plain top-level functions, nothing of ``nnedu_instructor`` is importable in the kernel). ``rules`` is a list of
``(target, message)``: a target is a module (``"nnedu.layers"``, ``"torch"``: the module, its submodules and
everything defined in them) or one definition in a module (``"nnedu.network:MLP.loss"``,
``"nnedu.history:EarlyStopping"``). Afterwards, for the rest of the process's life:

- importing a forbidden module raises ``ImportError(message)``, whatever the spelling (``import``, ``from ...
  import``, ``importlib.import_module``, ``__import__``, ``importlib.reload`` of its package, a lazy attribute of
  its package such as ``scipy.ndimage``): an audit hook refuses the ``import`` event, and audit hooks cannot be
  removed from Python code; reading its files (loading it by path, ``exec`` of its source, ``inspect``) raises
  ``PermissionError(message)``, and so does starting a process (a fresh interpreter would have no rules);
- an already imported module's attribute (``nnedu.layers`` after ``import nnedu``) is a stand-in that raises the
  same error on any use;
- a forbidden function or class is disabled *in place* (each function's code object is swapped for one that
  raises), so it raises however it is reached: through its module, a parent package that re-exports it,
  another module that imported it, an instance, a subclass, ``gc``.

Every refusal that code outside the installed packages caused (a cell, an answer, a probe; not the kernel's own
machinery) is recorded, as the rule's index, in ``sys.modules["_nnedu_rules"].hits``, so the grader can name the
rule a submission actually hit. This stops the use of the course's code and of the named libraries
through Python; it does not stop a student who copies their source (the similarity report's job) or who goes
around the interpreter deliberately (``ctypes``), which a grader reading the code would see.
"""


def rule_for(rules, name):
    """The index of the module rule that forbids the module ``name`` (or a parent of it), else None."""
    for i, (target, _) in enumerate(rules):
        if ":" not in target and (name == target or name.startswith(target + ".")):
            return i
    return None


def disable_function(fn, i):
    """Swap ``fn``'s code for code that raises rule ``i``'s error (same free variables); False if impossible."""
    import types
    if not isinstance(fn, types.FunctionType):
        return False
    free = fn.__code__.co_freevars
    cells = "".join(f"    {v} = None\n" for v in free)
    uses = f"        ({', '.join(free)},)\n" if free else ""
    source = (f"def _outer():\n{cells}    def {fn.__code__.co_name}(*args, **kwargs):\n{uses}"
              f"        raise __import__('sys').modules['_nnedu_rules'].hit({i})\n"
              f"    return {fn.__code__.co_name}\n")
    scope = {}
    try:
        exec(compile(source, "<forbidden>", "exec"), scope)
        fn.__code__ = scope["_outer"]().__code__
        fn.__defaults__, fn.__kwdefaults__ = None, None
    except (ValueError, TypeError, SyntaxError):
        return False
    return True


def disable_class(cls, i):
    """Disable every function of ``cls`` (methods, static and class methods, properties) and its construction."""
    for value in list(vars(cls).values()):
        for fn in (value, getattr(value, "__func__", None), getattr(value, "fget", None),
                   getattr(value, "fset", None)):
            if fn is not None:
                disable_function(fn, i)
    init = vars(cls).get("__init__")
    if not disable_function(init, i):
        def __init__(self, *args, **kwargs):
            raise __import__("sys").modules["_nnedu_rules"].hit(i)
        try:
            cls.__init__ = __init__
        except (TypeError, AttributeError):
            pass


def disable(obj, i):
    """Disable a function or a class in place (see ``disable_function``, ``disable_class``)."""
    if isinstance(obj, type):
        disable_class(obj, i)
        return True
    return disable_function(obj, i)


def forbid(rules):
    """Make each rule's target absent from this process, for good (see the module's docstring)."""
    import importlib
    import importlib.util
    import os
    import sys
    import types

    class ForbiddenError(ImportError):
        """What an answer may not use (the message names the lab's rule)."""

    class ForbiddenFile(PermissionError):
        """A forbidden module's file."""

    state = types.ModuleType("_nnedu_rules")
    state.hits = []

    installed = tuple(os.path.realpath(p) + os.sep for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})
    own = sys._getframe().f_globals  # these functions' globals, to skip their own frames

    def hit(i, kind=ForbiddenError):
        # Recorded only when code outside the installed packages is running (a cell, an answer, a probe): the
        # kernel's own lazy imports (IPython formatting a traceback) fail as well, but are no student's doing.
        frame = sys._getframe(1)
        while frame is not None and (frame.f_globals is own or frame.f_code.co_filename.startswith(
                installed + ("<forbidden>", "<frozen "))):
            frame = frame.f_back
        if frame is not None:
            state.hits.append(i)
        return kind(rules[i][1])
    state.hit = hit
    sys.modules["_nnedu_rules"] = state

    class Gone(types.ModuleType):
        """Stands in for a forbidden module that its package had imported."""
        def __getattr__(self, name):
            raise hit(object.__getattribute__(self, "_rule"))

    # Import what is to be disabled (not a module whose top package is itself forbidden: that is never loaded).
    for target, _ in rules:
        name = target.split(":")[0]
        top = rule_for(rules, name.split(".")[0])
        if top is None or ":" in target and rule_for(rules, name) is None:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 (not installed here: nothing to disable, imports stay refused)
                pass
    # The files of forbidden modules, to refuse reading them.
    paths = []
    for i, (target, _) in enumerate(rules):
        if ":" in target:
            continue
        try:
            spec = importlib.util.find_spec(target)
        except Exception:  # noqa: BLE001 (a parent that is not installed)
            spec = None
        if spec is not None:
            for folder in spec.submodule_search_locations or []:
                paths.append((os.path.realpath(folder) + os.sep, i))
            if spec.origin and spec.submodule_search_locations is None and os.path.isfile(spec.origin):
                origin = os.path.realpath(spec.origin)
                stem = os.path.splitext(os.path.basename(origin))[0]
                paths += [(origin, i), (os.path.join(os.path.dirname(origin), "__pycache__", stem + "."), i)]
    # Disable definitions: whole modules first, then single definitions.
    for name in sorted(sys.modules):
        i = rule_for(rules, name)
        module = sys.modules[name]
        if i is None or module is None:
            continue
        for value in list(vars(module).values()):
            if isinstance(value, (type, types.FunctionType)) and str(getattr(value, "__module__", "")).split(".")[:len(
                    rules[i][0].split("."))] == rules[i][0].split("."):
                disable(value, i)
    for i, (target, _) in enumerate(rules):
        if ":" not in target:
            continue
        module_name, qualname = target.split(":")
        owner, obj = sys.modules.get(module_name), None
        try:
            obj = owner
            for part in qualname.split("."):
                owner, obj = obj, vars(obj)[part] if isinstance(obj, type) else getattr(obj, part)
        except (AttributeError, KeyError, TypeError):
            continue
        for fn in (obj, getattr(obj, "__func__", None), getattr(obj, "fget", None)):
            if fn is not None and disable(fn, i):
                break
        else:
            def stand_in(*args, _i=i, **kwargs):
                raise hit(_i)
            for module in list(sys.modules.values()):  # a built-in function: rebind it wherever it is bound
                for key, value in list(getattr(module, "__dict__", {}).items()):
                    if value is obj:
                        setattr(module, key, stand_in)
            try:
                setattr(owner, qualname.split(".")[-1], stand_in)
            except (AttributeError, TypeError):
                pass
    # Forbidden modules leave sys.modules (a new import must ask, and is refused); their packages keep stand-ins.
    for name in sorted(sys.modules, reverse=True):
        i = rule_for(rules, name)
        if i is None:
            continue
        sys.modules.pop(name)
        parent, _, child = name.rpartition(".")
        if parent in sys.modules and rule_for(rules, parent) is None:
            gone = Gone(name)
            gone._rule = i
            setattr(sys.modules[parent], child, gone)

    busy = []
    starts = ("subprocess.Popen", "os.system", "os.posix_spawn", "os.fork", "os.forkpty", "pty.spawn")

    def audit(event, args):
        if busy:
            return
        if event == "import":
            i = rule_for(rules, str(args[0]))
            if i is not None:
                raise hit(i)
        elif event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)) and paths:
            busy.append(1)
            try:
                path = os.path.realpath(os.fsdecode(args[0]))
            finally:
                busy.pop()
            for prefix, i in paths:
                if path == prefix or path.startswith(prefix) and prefix.endswith((os.sep, ".")):
                    raise hit(i, ForbiddenFile)
        elif event in starts or event.startswith(("os.exec", "os.spawn")):
            raise PermissionError("the grader's check of this lab's rules runs without starting processes")
    sys.addaudithook(audit)


def take_hits():
    """The indices of the rules hit since the last call (kernel side), oldest first; clears them."""
    import sys
    state = sys.modules.get("_nnedu_rules")
    hits = [int(i) for i in getattr(state, "hits", [])]
    if state is not None:
        state.hits.clear()
    return hits
