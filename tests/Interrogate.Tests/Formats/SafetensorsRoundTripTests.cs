using System.Buffers.Binary;
using Interrogate.Formats;
using Interrogate.Tensors;

namespace Interrogate.Tests.Formats;

public class SafetensorsRoundTripTests
{
    private static Tensor Random(ulong seed, params int[] shape) => new TensorRandom(seed).Normal(shape);

    [Fact]
    public void Write_F32_ReadsBackExactlyWithMetadataAndOrder()
    {
        using var dir = new TempDir();
        var a = Random(1, 3, 4);
        var b = Random(2, 5);
        var path = dir.File("m.safetensors");
        SafetensorsWriter.Write(path, [("z.weight", a), ("a.bias", b)], new Dictionary<string, string> { ["format"] = "pt" });

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["z.weight", "a.bias"], file.Names);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal([3, 4], file.GetInfo("z.weight").Shape);
        Assert.Equal(SafetensorsDType.F32, file.GetInfo("a.bias").DType);
        Assert.Equal(new long[] { 48, 68 }, new[] { file.GetInfo("a.bias").DataBegin, file.GetInfo("a.bias").DataEnd });
        Assert.Equal(a.ToArray(), file.ReadTensor("z.weight").ToArray());
        Assert.Equal(b.ToArray(), file.ReadTensor("a.bias").ToArray());
        Assert.Equal([3, 4], file.ReadTensor("z.weight").Shape);
    }

    [Fact]
    public void Write_Header_IsSpacePaddedToMultipleOf8()
    {
        using var dir = new TempDir();
        var path = dir.File("m.safetensors");
        SafetensorsWriter.Write(path, [("x", Tensor.FromArray([1f, 2f, 3f], 3))]);
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(8 + headerLength + 12, bytes.Length);
        Assert.Equal((byte)'{', bytes[8]);
        Assert.Equal((byte)' ', bytes[8 + headerLength - 1]);
        Assert.Equal(1f, BitConverter.ToSingle(bytes, 8 + headerLength));
    }

    // Bounds are half an ulp relative to the value: 2^-11 for F16, 2^-8 for BF16.
    [Theory]
    [InlineData(SafetensorsDType.F16, 4.9e-4)]
    [InlineData(SafetensorsDType.BF16, 3.91e-3)]
    public void Write_HalfPrecision_ReadsBackWithinRounding(SafetensorsDType dtype, double relative)
    {
        using var dir = new TempDir();
        // 100 003 elements: several conversion chunks plus a tail that is not a vector multiple.
        var t = Random(3, 100_003);
        var path = dir.File("h.safetensors");
        SafetensorsWriter.Write(path, [("t", t)], dtype: dtype);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(dtype, file.GetInfo("t").DType);
        Assert.Equal(100_003L * 2, file.GetInfo("t").ByteLength);
        var read = file.ReadTensor("t").ToArray();
        var expected = t.ToArray();
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
            worst = Math.Max(worst, Math.Abs(read[i] - expected[i]) / Math.Max(Math.Abs(expected[i]), 1e-4)); // below 1e-4, F16 is subnormal: absolute error
        Assert.InRange(worst, 1e-9, relative);
    }

    [Fact]
    public void ReadInto_Span_FillsExistingBufferAndChecksLength()
    {
        using var dir = new TempDir();
        var t = Random(4, 2, 3);
        var path = dir.File("m.safetensors");
        SafetensorsWriter.Write(path, [("w", t)]);
        using var file = SafetensorsFile.Open(path);

        var parameter = Tensor.Zeros(2, 3);
        file.ReadInto("w", parameter);
        Assert.Equal(t.ToArray(), parameter.ToArray());

        var wrong = Assert.Throws<InputException>(() => file.ReadInto("w", Tensor.Zeros(3, 2)));
        Assert.Contains("[2, 3] in the weights but [3, 2]", wrong.Message);
        Assert.Throws<InputException>(() => file.ReadInto("w", new float[5]));
    }

    [Fact]
    public void Write_NonContiguousScalarAndEmpty_RoundTrip()
    {
        using var dir = new TempDir();
        var m = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var transposed = new Tensor(m.Storage, 0, [3, 2], [1, 3]);
        var path = dir.File("m.safetensors");
        SafetensorsWriter.Write(path, [("t", transposed), ("s", Tensor.Scalar(7f)), ("e", Tensor.Zeros(0, 4))], dtype: SafetensorsDType.BF16);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal([1f, 4f, 2f, 5f, 3f, 6f], file.ReadTensor("t").ToArray());
        var scalar = file.ReadTensor("s");
        Assert.Empty(scalar.Shape);
        Assert.Equal([7f], scalar.ToArray());
        Assert.Equal([0, 4], file.ReadTensor("e").Shape);
    }

    [Fact]
    public void Write_BadNames_ThrowArgumentException()
    {
        using var dir = new TempDir();
        var x = Tensor.Zeros(1);
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(dir.File("a"), [("x", x), ("x", x)]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(dir.File("a"), [("__metadata__", x)]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(dir.File("a"), [("x", x)], dtype: SafetensorsDType.I32));
        Assert.False(File.Exists(dir.File("a")));
    }

    [Fact]
    public void SingleToBFloat16_Ties_RoundToEven()
    {
        // 1 + 2^-8 is halfway between bf16 1.0 and 1.0078125: rounds to even (1.0).
        Assert.Equal(0x3F80, FloatConversion.SingleToBFloat16(1f + MathF.Pow(2, -8)));
        // 1 + 3·2^-8 is halfway between 1.0078125 (odd) and 1.015625: rounds up to even.
        Assert.Equal(0x3F82, FloatConversion.SingleToBFloat16(1f + 3 * MathF.Pow(2, -8)));
        Assert.Equal(0xC040, FloatConversion.SingleToBFloat16(-3f));
        Assert.True(float.IsNaN(BitConverter.UInt32BitsToSingle((uint)FloatConversion.SingleToBFloat16(float.NaN) << 16)));
        Assert.Equal(0x7F80, FloatConversion.SingleToBFloat16(float.PositiveInfinity));
    }

    [Fact]
    public void BFloat16ToSingle_Vectorised_MatchesScalarShift()
    {
        var rng = new Random(5);
        var bits = Enumerable.Range(0, 1000).Select(_ => (ushort)rng.Next(65536)).ToArray();
        var output = new float[bits.Length];
        FloatConversion.BFloat16ToSingle(bits, output);
        for (int i = 0; i < bits.Length; i++)
            Assert.Equal((uint)bits[i] << 16, BitConverter.SingleToUInt32Bits(output[i]));
    }

    [Fact]
    public void E4M3ToSingle_KnownCodes_DecodeToFloat8Values()
    {
        Assert.Equal(0f, FloatConversion.E4M3ToSingle(0x00));
        Assert.Equal(1f, FloatConversion.E4M3ToSingle(0x38));
        Assert.Equal(448f, FloatConversion.E4M3ToSingle(0x7E));
        Assert.Equal(-2f, FloatConversion.E4M3ToSingle(0xC0));
        Assert.Equal(MathF.Pow(2, -9), FloatConversion.E4M3ToSingle(0x01));
        Assert.True(float.IsNaN(FloatConversion.E4M3ToSingle(0x7F)));
    }

    [Fact]
    public void ReadTensor_F64AndF8_ConvertToFloat32()
    {
        using var dir = new TempDir();
        byte[] data = [.. BitConverter.GetBytes(1.5), .. BitConverter.GetBytes(-0.25), 0x38, 0x3C];
        var header = """{"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"e":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[16,17]},"f":{"dtype":"F8_E5M2","shape":[1],"data_offsets":[17,18]}}""";
        using var file = SafetensorsFile.Open(dir.Write("x.safetensors", RawSafetensors.Build(header, data)));
        Assert.Equal([1.5f, -0.25f], file.ReadTensor("d").ToArray());
        Assert.Equal([1f], file.ReadTensor("e").ToArray());
        Assert.Equal([1f], file.ReadTensor("f").ToArray());
    }

    [Fact]
    public void ReadTensor_IntegerDType_ThrowsButIsListedAndReadableAsBytes()
    {
        using var dir = new TempDir();
        var header = """{"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}""";
        byte[] data = [.. BitConverter.GetBytes(7L), .. BitConverter.GetBytes(-1L)];
        using var file = SafetensorsFile.Open(dir.Write("x.safetensors", RawSafetensors.Build(header, data)));
        Assert.Equal(SafetensorsDType.I64, file.GetInfo("ids").DType);
        var e = Assert.Throws<InputException>(() => file.ReadTensor("ids"));
        Assert.Contains("tensor 'ids' has dtype I64", e.Message);
        Assert.Equal(data, file.ReadBytes("ids"));
    }

    [Fact]
    public void GetInfo_MissingName_ThrowsNamingFileAndExamples()
    {
        using var dir = new TempDir();
        var path = dir.File("m.safetensors");
        SafetensorsWriter.Write(path, [("a", Tensor.Zeros(1))]);
        using var file = SafetensorsFile.Open(path);
        var e = Assert.Throws<InputException>(() => file.ReadTensor("b"));
        Assert.Equal($"{path}: no tensor named 'b' (1 tensors, e.g. 'a')", e.Message);
        Assert.False(file.Contains("b"));
    }

    [Fact]
    public void Open_MissingFileOrDirectory_ThrowsInputException()
    {
        using var dir = new TempDir();
        Assert.EndsWith("nope.safetensors: file not found", Assert.Throws<InputException>(() => SafetensorsFile.Open(dir.File("nope.safetensors"))).Message);
        Assert.Contains("is a directory", Assert.Throws<InputException>(() => SafetensorsFile.Open(dir.Path)).Message);
    }
}
