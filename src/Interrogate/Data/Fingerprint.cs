using System.Security.Cryptography;
using System.Text;

namespace Interrogate.Data;

/// <summary>
/// The one place the project hashes things it must recognise again: corpora, tokenizers, model
/// weights, run settings, experiment specs. Always SHA-256, always lower-case hex. A fingerprint is
/// built by appending parts in order (<see cref="Add(string)"/> for text, <see cref="AddFile"/> for a
/// file's bytes, <see cref="AddDigest(ReadOnlySpan{byte})"/> for the SHA-256 of a part, which keeps
/// the boundary between parts); the static helpers cover the common shapes. Values equal what the
/// earlier per-site code produced, so caches, stores and checkpoints keep matching.
/// </summary>
public sealed class Fingerprint : IDisposable
{
    private const string ModelMark = " sha256:";
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Appends the UTF-8 bytes of <paramref name="text"/>.</summary>
    public Fingerprint Add(string text)
    {
        hash.AppendData(Encoding.UTF8.GetBytes(text));
        return this;
    }

    /// <summary>Appends raw bytes.</summary>
    public Fingerprint Add(ReadOnlySpan<byte> bytes)
    {
        hash.AppendData(bytes);
        return this;
    }

    /// <summary>Appends a file's bytes, streamed (as if its whole content were passed to <see cref="Add(ReadOnlySpan{byte})"/>).</summary>
    public Fingerprint AddFile(string path)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[1 << 16];
        for (int read; (read = stream.Read(buffer)) > 0;) hash.AppendData(buffer, 0, read);
        return this;
    }

    /// <summary>Appends the 32-byte SHA-256 of <paramref name="bytes"/>: a part of fixed length, so parts cannot run into each other.</summary>
    public Fingerprint AddDigest(ReadOnlySpan<byte> bytes)
    {
        hash.AppendData(SHA256.HashData(bytes));
        return this;
    }

    /// <summary>Appends the 32-byte SHA-256 of a file's bytes.</summary>
    public Fingerprint AddFileDigest(string path)
    {
        using var stream = File.OpenRead(path);
        hash.AppendData(SHA256.HashData(stream));
        return this;
    }

    /// <summary>The SHA-256 of everything appended, as 64 lower-case hex digits; the builder starts over afterwards.</summary>
    public string ToHex() => Convert.ToHexStringLower(hash.GetHashAndReset());

    public void Dispose() => hash.Dispose();

    /// <summary>Hex SHA-256 of a text's UTF-8 bytes: run settings, cache keys, document ids.</summary>
    public static string Of(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Hex SHA-256 of the files' bytes read one after another, in the order given (a tokenizer's files).</summary>
    public static string OfFileContents(IEnumerable<string> files)
    {
        using var fingerprint = new Fingerprint();
        foreach (var file in files) fingerprint.AddFile(file);
        return fingerprint.ToHex();
    }

    /// <summary>
    /// Names a model's weights: the folder's full path, then " sha256:" and 16 hex digits of the SHA-256
    /// over the digests of its *.safetensors and config.json files in ordinal order, so a store is never
    /// resumed with other weights.
    /// </summary>
    /// <param name="directory">The model folder.</param>
    public static string ModelWeights(string directory)
    {
        var full = Path.GetFullPath(directory);
        using var fingerprint = new Fingerprint();
        foreach (var file in Directory.GetFiles(full)
            .Where(f => f.EndsWith(".safetensors", StringComparison.Ordinal) || f.EndsWith("config.json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal))
            fingerprint.AddFileDigest(file);
        return $"{full}{ModelMark}{fingerprint.ToHex()[..16]}";
    }

    /// <summary>The folder named by a <see cref="ModelWeights"/> identity, or null when the text is not one.</summary>
    public static string? ModelDirectoryOf(string identity)
    {
        int mark = identity.IndexOf(ModelMark, StringComparison.Ordinal);
        return mark > 0 ? identity[..mark] : null;
    }
}
