namespace Interrogate.Formats;

/// <summary>
/// Element types a safetensors header may name. These are the fixed-width types of the
/// reference implementation; its sub-byte types (F4, F6_*) and F8_E8M0 are rejected at open
/// because their sizes are not whole bytes per element or they have no use here.
/// The float types (F64, F32, F16, BF16, F8_E4M3, F8_E5M2) can be read as float32; the rest
/// are listed with shape and offsets but <see cref="SafetensorsFile.ReadTensor"/> refuses them.
/// </summary>
public enum SafetensorsDType
{
    F64,
    F32,
    F16,
    BF16,
    /// <summary>float8 e4m3fn (PyTorch's float8_e4m3fn: no infinities, 0x7F/0xFF are NaN).</summary>
    F8E4M3,
    /// <summary>float8 e5m2 (the top byte of an IEEE half).</summary>
    F8E5M2,
    I64,
    I32,
    I16,
    I8,
    U64,
    U32,
    U16,
    U8,
    Bool,
}

public static class SafetensorsDTypes
{
    /// <summary>Bytes per element.</summary>
    public static int ByteSize(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F64 or SafetensorsDType.I64 or SafetensorsDType.U64 => 8,
        SafetensorsDType.F32 or SafetensorsDType.I32 or SafetensorsDType.U32 => 4,
        SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.I16 or SafetensorsDType.U16 => 2,
        _ => 1,
    };

    /// <summary>True for types that <see cref="SafetensorsFile.ReadTensor"/> converts to float32.</summary>
    public static bool IsFloat(this SafetensorsDType dtype) => dtype is SafetensorsDType.F64 or SafetensorsDType.F32
        or SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.F8E4M3 or SafetensorsDType.F8E5M2;

    /// <summary>The spelling used in headers, e.g. "BF16", "F8_E4M3", "BOOL".</summary>
    public static string HeaderName(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F8E4M3 => "F8_E4M3",
        SafetensorsDType.F8E5M2 => "F8_E5M2",
        SafetensorsDType.Bool => "BOOL",
        _ => dtype.ToString(),
    };

    /// <summary>Parses a header spelling; exact and case-sensitive, as the reference is.</summary>
    public static bool TryParse(string? name, out SafetensorsDType dtype)
    {
        foreach (var candidate in Enum.GetValues<SafetensorsDType>())
        {
            if (candidate.HeaderName() == name) { dtype = candidate; return true; }
        }
        dtype = default;
        return false;
    }
}
