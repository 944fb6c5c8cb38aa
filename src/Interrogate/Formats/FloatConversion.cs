using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Interrogate.Formats;

/// <summary>
/// Converts between float32 and the float encodings safetensors stores (little-endian bytes).
/// Spans may be unaligned: offsets inside a safetensors data area are arbitrary.
/// </summary>
internal static class FloatConversion
{
    private static readonly float[] E4M3Table = BuildTable(E4M3ToSingle);
    private static readonly float[] E5M2Table = BuildTable(b => (float)BitConverter.UInt16BitsToHalf((ushort)(b << 8)));

    /// <summary>Decodes <paramref name="destination"/>.Length elements of a float dtype.</summary>
    public static void ToSingle(SafetensorsDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case SafetensorsDType.F32: MemoryMarshal.Cast<byte, float>(source).CopyTo(destination); break;
            case SafetensorsDType.F16: TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination); break;
            case SafetensorsDType.BF16: BFloat16ToSingle(MemoryMarshal.Cast<byte, ushort>(source), destination); break;
            case SafetensorsDType.F64:
                var doubles = MemoryMarshal.Cast<byte, double>(source);
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)doubles[i];
                break;
            case SafetensorsDType.F8E4M3: Lookup(E4M3Table, source, destination); break;
            case SafetensorsDType.F8E5M2: Lookup(E5M2Table, source, destination); break;
            default: throw new ArgumentException($"{dtype.HeaderName()} is not a float type", nameof(dtype));
        }
    }

    /// <summary>Encodes floats as F32, F16 or BF16, rounding to nearest even.</summary>
    public static void FromSingle(SafetensorsDType dtype, ReadOnlySpan<float> source, Span<byte> destination)
    {
        switch (dtype)
        {
            case SafetensorsDType.F32: MemoryMarshal.AsBytes(source).CopyTo(destination); break;
            case SafetensorsDType.F16: TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(destination)); break;
            case SafetensorsDType.BF16:
                var bits = MemoryMarshal.Cast<byte, ushort>(destination);
                for (int i = 0; i < source.Length; i++) bits[i] = SingleToBFloat16(source[i]);
                break;
            default: throw new ArgumentException($"writing {dtype.HeaderName()} is not supported (use F32, F16 or BF16)", nameof(dtype));
        }
    }

    /// <summary>bfloat16 is the top half of a float32, so decoding is a 16-bit shift.</summary>
    public static void BFloat16ToSingle(ReadOnlySpan<ushort> source, Span<float> destination) =>
        Kernels.HalfConversion.BFloat16ToSingle(source, destination);

    /// <summary>Rounds to nearest even; NaN stays NaN (a truncated NaN payload could become infinity).</summary>
    public static ushort SingleToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x0040);
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    /// <summary>float8 e4m3fn: bias 7, subnormals, no infinities, S.1111.111 is NaN.</summary>
    internal static float E4M3ToSingle(byte b)
    {
        int exponent = (b >> 3) & 0xF, mantissa = b & 7;
        float magnitude = exponent == 0xF && mantissa == 7 ? float.NaN
            : exponent == 0 ? MathF.ScaleB(mantissa / 8f, -6)
            : MathF.ScaleB(1 + mantissa / 8f, exponent - 7);
        return (b & 0x80) != 0 ? -magnitude : magnitude;
    }

    private static void Lookup(float[] table, ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = table[source[i]];
    }

    private static float[] BuildTable(Func<byte, float> decode)
    {
        var table = new float[256];
        for (int b = 0; b < 256; b++) table[b] = decode((byte)b);
        return table;
    }
}
