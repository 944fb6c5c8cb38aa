using Interrogate.Formats;

namespace Interrogate.Tests.Formats;

/// <summary>Each broken header is refused at open with a message naming the file, tensor and problem.</summary>
public class SafetensorsValidationTests
{
    private static SafetensorsFormatException OpenFails(byte[] bytes, out string path)
    {
        using var dir = new TempDir();
        path = dir.Write("bad.safetensors", bytes);
        var p = path;
        return Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(p).Dispose());
    }

    private static string Fails(string header, int dataBytes = 8)
    {
        var e = OpenFails(RawSafetensors.Build(header, new byte[dataBytes]), out var path);
        Assert.StartsWith(path + ": ", e.Message);
        Assert.DoesNotContain("\n", e.Message);
        return e.Message[(path.Length + 2)..];
    }

    [Theory]
    [InlineData("""{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}""", "tensor 'x': data_offsets [0, 12] run past the end of the data area (8 bytes)")]
    [InlineData("""{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", "tensor 'x': data_offsets [0, 8] hold 8 bytes but shape [3] of F32 needs 12")]
    [InlineData("""{"x":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}""", "tensor 'x': data_offsets [8, 4] has begin after end")]
    [InlineData("""{"x":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}}""", "tensor 'x': unknown dtype \"Q4\"")]
    [InlineData("""{"x":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}""", "tensor 'x': unknown dtype \"f32\"")]
    [InlineData("""{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "tensor 'x': 'shape' must be an array of non-negative integers below 2^31, got [-1]")]
    [InlineData("""{"x":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", "tensor 'x': 'shape' must be")]
    [InlineData("""{"x":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}""", "tensor 'x': 'data_offsets' must be [begin, end]")]
    [InlineData("""{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}""", "tensor 'x': 'data_offsets' must be [begin, end]")]
    [InlineData("""{"x":{"dtype":"F32","shape":[1]}}""", "tensor 'x': 'data_offsets' is missing")]
    [InlineData("""{"x":{"shape":[1],"data_offsets":[0,4]}}""", "tensor 'x': 'dtype' is missing")]
    [InlineData("""{"x":[1,2]}""", "tensor 'x': entry must be a JSON object, got [1,2]")]
    [InlineData("""{"x":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "tensor 'x': field 'dtype' appears twice")]
    [InlineData("""{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "tensor 'x': appears twice in the header")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "tensor 'b': data_offsets [4, 8] overlap tensor 'a' [0, 8]")]
    [InlineData("""{"x":{"dtype":"F32","shape":[2147483647,2147483647,2147483647,2147483647,2147483647],"data_offsets":[0,4]}}""", "tensor 'x': shape [2147483647, 2147483647, 2147483647, 2147483647, 2147483647] has too many elements")]
    [InlineData("""{"x":{"dtype":"F32","shape":[4294967296],"data_offsets":[0,4]}}""", "tensor 'x': 'shape' must be")]
    [InlineData("""{"x":{"dtype":"F64","shape":[1152921504606846976],"data_offsets":[0,4]}}""", "tensor 'x': 'shape' must be")]
    [InlineData("""{"x":{"dtype":"F64","shape":[1073741824,1073741824,4],"data_offsets":[0,8]}}""", "tensor 'x': data_offsets [0, 8] hold 8 bytes but shape [1073741824, 1073741824, 4] of F64 needs more than 2^63")]
    [InlineData("""{"__metadata__":{"k":1}}""", "'__metadata__' value for 'k' must be a string, got 1")]
    [InlineData("""{"__metadata__":[]}""", "'__metadata__' must be an object of strings, got []")]
    [InlineData("""[]""", "header must be a JSON object, got []")]
    [InlineData("""{"x":""", "header is not valid JSON")]
    [InlineData("""{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}""", "header is not valid JSON")]
    [InlineData("", "header is not valid JSON")]
    public void Open_BrokenHeader_ThrowsFormatException(string header, string expected)
    {
        Assert.StartsWith(expected, Fails(header));
    }

    [Fact]
    public void Open_ValidEdgeCases_AreAccepted()
    {
        using var dir = new TempDir();
        // Null metadata, unknown extra fields, two empty tensors at one offset.
        var header = """{"__metadata__":null,"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1},"b":{"dtype":"U8","shape":[4],"data_offsets":[4,8]},"e":{"dtype":"BOOL","shape":[0],"data_offsets":[8,8]},"f":{"dtype":"F16","shape":[5,0],"data_offsets":[8,8]}}""";
        using var file = SafetensorsFile.Open(dir.Write("ok.safetensors", RawSafetensors.Build(header, new byte[8])));
        Assert.Equal(["a", "b", "e", "f"], file.Names);
        Assert.Empty(file.Metadata);
        Assert.Equal([5, 0], file.ReadTensor("f").Shape);
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}}""", 8, "tensor 'b': data_offsets [6, 8] leave a gap of 2 bytes after byte 4")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8, "the tensors cover 4 bytes but the data area after the header holds 8")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "tensor 'a': data_offsets [4, 8] leave a gap of 4 bytes after byte 0")]
    public void Open_DataAreaNotTiled_Throws(string header, int dataBytes, string expected)
    {
        Assert.StartsWith(expected, Fails(header, dataBytes));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Open_HeaderLengthShortInsidePadding_Throws(int shortBy)
    {
        // The header ends in padding spaces, so a length a few bytes short still parses as JSON;
        // the data area then starts early and the tensors no longer tile it.
        var json = System.Text.Encoding.UTF8.GetBytes("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}        """);
        var bytes = RawSafetensors.WithLength((ulong)(json.Length - shortBy), [.. json, .. new byte[8]]);
        var e = OpenFails(bytes, out _);
        Assert.Contains($"the data area after the header holds {8 + shortBy}", e.Message);
    }

    [Fact]
    public void Open_ShortFile_ThrowsNamingSize()
    {
        var e = OpenFails([1, 2, 3, 4, 5], out var path);
        Assert.StartsWith($"{path}: file is 5 bytes, too short for the 8-byte header length", e.Message);
    }

    [Fact]
    public void Open_HugeHeaderLength_ThrowsBeforeAllocating()
    {
        var e = OpenFails(RawSafetensors.WithLength(ulong.MaxValue, new byte[16]), out _);
        Assert.Contains("header length 18446744073709551615 is over the 100000000-byte limit", e.Message);
    }

    [Fact]
    public void Open_HeaderLengthPastEnd_ThrowsTruncated()
    {
        var e = OpenFails(RawSafetensors.WithLength(1000, "{}"u8.ToArray()), out _);
        Assert.Contains("header length 1000 runs past the end of the file (10 bytes)", e.Message);
    }

    [Fact]
    public void Open_InvalidUtf8_Throws()
    {
        var e = OpenFails(RawSafetensors.Build([(byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)':', (byte)'1', (byte)'}'], []), out _);
        Assert.EndsWith("header is not valid UTF-8", e.Message);
    }

    [Fact]
    public void Open_ControlCharactersInName_StayOnOneLine()
    {
        var message = Fails("{\"a\\nb\":{\"dtype\":\"X\",\"shape\":[],\"data_offsets\":[0,0]}}");
        Assert.StartsWith("tensor 'a\\u000ab': unknown dtype", message);
    }
}
