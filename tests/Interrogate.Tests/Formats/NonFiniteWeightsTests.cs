using Interrogate.Formats;
using Interrogate.Tensors;

namespace Interrogate.Tests.Formats;

/// <summary>NaN and ±Inf in stored weights are reported by tensor and element, not loaded silently.</summary>
public class NonFiniteWeightsTests
{
    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void ReadTensor_NonFiniteValue_NamesTensorAndElement(float value, string shown)
    {
        using var dir = new TempDir();
        var path = dir.File("w.safetensors");
        SafetensorsWriter.Write(path, [("ok", new Tensor([1f, 2f], [2])), ("bad", new Tensor([1f, 2f, value, 4f], [2, 2]))]);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal([1f, 2f], file.ReadTensor("ok").ToArray());
        var e = Assert.Throws<InputException>(() => file.ReadTensor("bad"));
        Assert.Equal($"{path}: tensor 'bad' holds {shown} at element 2; the weights are damaged (pass --allow-nonfinite to load them anyway)", e.Message);
    }

    [Fact]
    public void ReadTensor_AllowNonFinite_LoadsTheValue()
    {
        using var dir = new TempDir();
        var path = dir.File("w.safetensors");
        SafetensorsWriter.Write(path, [("bad", new Tensor([float.NaN], [1]))]);
        using var file = SafetensorsFile.Open(path);
        SafetensorsFile.AllowNonFinite = true;
        try { Assert.True(float.IsNaN(file.ReadTensor("bad").ToArray()[0])); }
        finally { SafetensorsFile.AllowNonFinite = false; }
    }
}
