using System.Security.Cryptography;
using System.Text;
using Interrogate.Data;
using Interrogate.Text;

namespace Interrogate.Tests.Data;

public sealed class FingerprintTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("fingerprint-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void Of_Abc_IsTheStandardSha256()
    {
        // FIPS 180-2 test vector.
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Fingerprint.Of("abc"));
    }

    [Fact]
    public void OfFileContents_TwoFiles_EqualsHashOfConcatenatedBytes()
    {
        // A file longer than the 64 KiB read buffer, so streaming is exercised.
        var a = Write("a.txt", new string('x', 70_000) + "é");
        var b = Write("b.txt", "merges");
        var expected = Convert.ToHexStringLower(SHA256.HashData([.. File.ReadAllBytes(a), .. File.ReadAllBytes(b)]));
        Assert.Equal(expected, Fingerprint.OfFileContents([a, b]));
    }

    [Fact]
    public void TokenizerFingerprint_VocabAndMerges_KeepsTheEarlierValue()
    {
        var vocab = Write("vocab.json", "{\"a\": 0}");
        var merges = Write("merges.txt", "#version: 0.2\n");
        // The formula TokenizerLoader used before there was one routine: SHA-256 over the files' bytes in turn.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in new[] { vocab, merges }) hash.AppendData(File.ReadAllBytes(f));
        Assert.Equal(Convert.ToHexStringLower(hash.GetHashAndReset()), TokenizerLoader.Fingerprint(dir));
    }

    [Fact]
    public void ModelWeights_KeepsTheEarlierValueAndChangesOnlyWithWeightsOrConfig()
    {
        var weights = Write("model.safetensors", "weights v1");
        var config = Write("config.json", "{}");
        Write("notes.md", "anything");
        using var digests = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in new[] { config, weights }) digests.AppendData(SHA256.HashData(File.ReadAllBytes(f)));   // ordinal order
        string before = Fingerprint.ModelWeights(dir);
        Assert.Equal($"{dir} sha256:{Convert.ToHexStringLower(digests.GetHashAndReset())[..16]}", before);
        Assert.Equal(dir, Fingerprint.ModelDirectoryOf(before));

        Write("notes.md", "changed");
        Assert.Equal(before, Fingerprint.ModelWeights(dir));
        Write("model.safetensors", "weights v2");
        Assert.NotEqual(before, Fingerprint.ModelWeights(dir));
        Assert.Null(Fingerprint.ModelDirectoryOf("no mark here"));
    }

    [Fact]
    public void Builder_DigestParts_KeepBoundaries()
    {
        using var one = new Fingerprint();
        using var two = new Fingerprint();
        // Raw parts "ab"+"c" and "a"+"bc" collide; digests of the parts do not.
        Assert.Equal(one.Add("ab").Add("c").ToHex(), two.Add("a").Add("bc").ToHex());
        Assert.NotEqual(one.AddDigest(Encoding.UTF8.GetBytes("ab")).AddDigest(Encoding.UTF8.GetBytes("c")).ToHex(),
            two.AddDigest(Encoding.UTF8.GetBytes("a")).AddDigest(Encoding.UTF8.GetBytes("bc")).ToHex());
    }
}
