using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Interrogate.Formats;

namespace Interrogate.Tests.Formats;

/// <summary>
/// Hundreds of files mutated from one valid file: each must open (and read) or be refused with
/// <see cref="SafetensorsFormatException"/>, within a second, and never fail any other way.
/// </summary>
public class SafetensorsFuzzTests
{
    private const string ValidHeader =
        """{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"h":{"dtype":"F16","shape":[4],"data_offsets":[24,32]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[32,36]},"ids":{"dtype":"I64","shape":[1],"data_offsets":[36,44]}}""";

    private static readonly byte[] ValidData = Enumerable.Range(0, 44).Select(i => (byte)(i * 7 + 3)).ToArray();

    private static readonly string[] Replacements =
        ["-1", "0", "1", "1.5", "1e400", "-0", "9223372036854775807", "9223372036854775808", "18446744073709551616",
         "2147483648", "null", "\"3\"", "[]", "{}", "true", "[0,0]", "[99,1]", "44", "43", "36"];

    private static readonly string[] HandWritten =
    [
        ValidHeader.Replace("\"F16\"", "\"I8\""),
        ValidHeader.Replace("\"F16\"", "\"F8_E8M0\""),
        ValidHeader.Replace("\"BF16\"", "\"F4\""),
        ValidHeader.Replace("[24,32]", "[20,28]"),
        ValidHeader.Replace("[36,44]", "[36,4400000000000]"),
        ValidHeader.Replace("[2,3]", "[3,3]"),
        ValidHeader.Replace("[2,3]", "[100000,100000,100000]"),
        ValidHeader.Replace("\"h\"", "\"w\""),
        ValidHeader.Replace("\"format\":\"pt\"", "\"format\":\"pt\",\"format\":\"np\""),
        ValidHeader.Replace("\"pt\"", "[\"pt\"]"),
        ValidHeader.Replace("\"shape\":[4]", "\"shape\":4"),
        ValidHeader.Replace("\"data_offsets\":[24,32]", "\"data_offsets\":{\"0\":24}"),
        ValidHeader.Replace("{\"dtype\":\"F16\"", "{\"dtype\":null"),
        ValidHeader[..^1],
        ValidHeader + "}",
        ValidHeader + "  garbage",
        "  " + ValidHeader,
        ValidHeader.Replace(":", "="),
        ValidHeader.Replace("\"", "'"),
        ValidHeader.Replace("\"w\"", "\"\\uD800\""),
        ValidHeader.Replace("\"pt\"", "\"\\uDC00x\""),
        ValidHeader.Replace("\"w\"", "\"\\u00\""),
        "null", "42", "\"str\"", "{}", "{\"__metadata__\":{}}",
        new string('[', 5000) + new string(']', 5000),
        "{\"x\":" + new string('{', 100_000),
    ];

    [Fact]
    public void Open_MutatedFiles_OpenOrThrowFormatExceptionQuickly()
    {
        using var dir = new TempDir();
        var valid = RawSafetensors.Build(ValidHeader, ValidData);
        int headerEnd = 8 + Encoding.UTF8.GetByteCount(ValidHeader);
        var rng = new Random(20240601);
        var cases = new List<(string Label, byte[] Bytes)>();

        for (int n = 0; n < valid.Length; n++) cases.Add(($"truncated to {n}", valid[..n]));
        for (int i = 0; i < 200; i++)
        {
            var bytes = (byte[])valid.Clone();
            int at = rng.Next(headerEnd);
            bytes[at] ^= (byte)rng.Next(1, 256);
            cases.Add(($"byte {at} flipped", bytes));
        }
        const string jsonAlphabet = "{}[]\":,0123456789-.eE FIBUdtypeshaofs_";
        for (int i = 0; i < 100; i++)
        {
            var header = new byte[headerEnd - 8];
            if (i % 2 == 0) rng.NextBytes(header);
            else for (int j = 0; j < header.Length; j++) header[j] = (byte)jsonAlphabet[rng.Next(jsonAlphabet.Length)];
            cases.Add(($"random header {i}", RawSafetensors.Build(header, ValidData)));
        }
        for (int i = 0; i < 30; i++)
        {
            ulong length = i % 3 == 0 ? (ulong)rng.NextInt64() << 1 : (ulong)rng.Next(headerEnd + 64);
            cases.Add(($"header length {length}", RawSafetensors.WithLength(length, valid[8..])));
        }
        var numbers = Regex.Matches(ValidHeader, @"\d+|""[A-Z0-9_]+""|\[[\d,]*\]");
        for (int i = 0; i < 200; i++)
        {
            var token = numbers[rng.Next(numbers.Count)];
            var header = ValidHeader[..token.Index] + Replacements[rng.Next(Replacements.Length)] + ValidHeader[(token.Index + token.Length)..];
            cases.Add(($"token mutation {i}: {header}", RawSafetensors.Build(header, ValidData)));
        }
        const string nameAlphabet = "abcXYZ._-0 é€\\\"/\n";
        for (int i = 0; i < 40; i++)
        {
            // Renaming keeps the file valid (unless two names collide), so these mostly open.
            var name = new string(Enumerable.Range(0, rng.Next(1, 12)).Select(_ => nameAlphabet[rng.Next(nameAlphabet.Length)]).ToArray());
            var json = System.Text.Json.JsonSerializer.Serialize(name);
            var header = ValidHeader.Replace(new[] { "\"w\"", "\"h\"", "\"b\"", "\"ids\"" }[i % 4], json);
            cases.Add(($"renamed to {json}", RawSafetensors.Build(header, ValidData)));
        }
        foreach (var header in HandWritten) cases.Add(($"hand-written {header[..Math.Min(60, header.Length)]}", RawSafetensors.Build(header, ValidData)));

        int opened = 0, refused = 0;
        var failures = new List<string>();
        Check(dir.Write("warm-up.safetensors", valid)); // the first call pays for JIT; keep it out of the timing
        for (int i = 0; i < cases.Count; i++)
        {
            var path = dir.Write($"case{i}.safetensors", cases[i].Bytes);
            var watch = Stopwatch.StartNew();
            var outcome = Check(path);
            watch.Stop();
            if (outcome is null) refused++;
            else if (outcome == "") opened++;
            else failures.Add($"{outcome} [{cases[i].Label}]");
            if (watch.Elapsed > TimeSpan.FromSeconds(1)) failures.Add($"{cases[i].Label}: took {watch.Elapsed}");
        }

        Assert.True(cases.Count >= 700, $"only {cases.Count} cases");
        Assert.Empty(failures);
        // Both outcomes must really occur, or the mutations are not exercising anything.
        Assert.InRange(opened, 30, cases.Count);
        Assert.InRange(refused, cases.Count / 2, cases.Count);
    }

    /// <summary>"" when the file opened and every tensor read; null when refused; otherwise what went wrong.</summary>
    private static string? Check(string path)
    {
        try
        {
            using var file = SafetensorsFile.Open(path);
            foreach (var info in file.Tensors)
            {
                if (info.DType.IsFloat())
                {
                    var values = file.ReadTensor(info.Name);
                    if (values.Size != info.ElementCount) return $"read {values.Size} of {info.ElementCount} elements of '{info.Name}'";
                }
                else if (file.ReadBytes(info.Name).Length != info.ByteLength) return $"read wrong byte count of '{info.Name}'";
            }
            return "";
        }
        catch (SafetensorsFormatException e)
        {
            return e.Message.Contains('\n') ? $"multi-line message: {e.Message}" : null;
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }
}
