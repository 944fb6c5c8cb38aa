"""Which BLAS this Python process loaded and which OpenBLAS kernel it chose at run time.
blas_info() -> "openblas 0.3.21 core=Zen (libopenblasp-r0.3.21.so)" or "blas: <library>" or "blas: unknown".
Reads /proc/self/maps (Linux) for the loaded BLAS library, then asks it openblas_get_corename()."""
import ctypes, os


def blas_info():
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({line.split()[-1] for line in f if ".so" in line and ("blas" in line or "lapack" in line)})
    except OSError:
        return "blas: unknown"
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
            core = lib.openblas_get_corename
        except (OSError, AttributeError):
            continue
        core.restype = ctypes.c_char_p
        config = getattr(lib, "openblas_get_config", None)
        if config is not None:
            config.restype = ctypes.c_char_p
        name = config().decode() if config is not None else "openblas"
        return f"{name.split()[0].lower()} {name.split()[1] if len(name.split()) > 1 else ''} core={core().decode()} ({os.path.basename(path)})"
    return "blas: " + (", ".join(os.path.basename(p) for p in libs) or "unknown")
