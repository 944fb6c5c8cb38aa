using Interrogate.Data;

namespace Interrogate.Tests.Data;

public sealed class MnistTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("mnist-test").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private void WriteDigits(int perDigit)
    {
        for (int d = 0; d <= 9; d++)
        {
            var values = Enumerable.Range(0, perDigit * Mnist.Features).Select(i => ((i + d) % 7 / 7.0).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture));
            File.WriteAllText(Path.Combine(dir, $"{d}.json"), "{ \"data\": [" + string.Join(",", values) + "] }");
        }
    }

    [Fact]
    public void Decode_TenFiles_LabelsFollowFiles()
    {
        WriteDigits(3);
        var all = Mnist.Decode(dir);
        Assert.Equal(30, all.Count);
        Assert.Equal(Enumerable.Range(0, 10).SelectMany(d => Enumerable.Repeat(d, 3)), all.Labels);
        Assert.Equal(2 / 7f, all.Image(0)[2], 3);
    }

    [Fact]
    public void Split_SameInput_SameDeterministicSplit()
    {
        WriteDigits(10);
        var all = Mnist.Decode(dir);
        var (trainA, testA) = Mnist.Split(all);
        var (trainB, _) = Mnist.Split(all);
        Assert.Equal(80, trainA.Count);
        Assert.Equal(20, testA.Count);
        Assert.Equal(trainA.Labels, trainB.Labels);
        Assert.NotEqual(Enumerable.Range(0, 10).SelectMany(d => Enumerable.Repeat(d, 8)), trainA.Labels);
    }

    [Fact]
    public void HoldOut_Three_LastThreeValidateTheRestFit()
    {
        var images = new LabelledImages([.. Enumerable.Range(0, 10).Select(i => i / 10f)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 1, 1, 10);
        var (fit, validation) = Mnist.HoldOut(images, 3);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], fit.Labels);
        Assert.Equal([7, 8, 9], validation.Labels);
        Assert.Equal(0.8f, validation.Image(1)[0]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    public void HoldOut_NoneOrAll_NamesTheFlag(int count)
    {
        var images = new LabelledImages(new float[10], new int[10], 1, 1, 10);
        Assert.StartsWith("--validation", Assert.Throws<InputException>(() => Mnist.HoldOut(images, count)).Message);
    }

    [Fact]
    public void Decode_TruncatedFile_NamesFile()
    {
        WriteDigits(2);
        var path = Path.Combine(dir, "4.json");
        var text = File.ReadAllText(path);
        File.WriteAllText(path, text[..(text.Length / 2)]);
        var e = Assert.Throws<InputException>(() => Mnist.Decode(dir));
        Assert.Contains("4.json", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void Decode_WrongCount_NamesFile()
    {
        WriteDigits(2);
        File.WriteAllText(Path.Combine(dir, "7.json"), "{ \"data\": [0.5, 0.25] }");
        var e = Assert.Throws<InputException>(() => Mnist.Decode(dir));
        Assert.Contains("7.json", e.Message);
    }

    [Fact]
    public void Decode_MissingFile_NamesFile()
    {
        WriteDigits(1);
        File.Delete(Path.Combine(dir, "9.json"));
        var e = Assert.Throws<InputException>(() => Mnist.Decode(dir));
        Assert.Contains("9.json", e.Message);
    }
}
