using System.Reflection;

namespace Interrogate.Server;

/// <summary>The viewer's page, script and style, embedded in this assembly: served from memory, never from disk or a CDN.</summary>
internal static class StaticAssets
{
    private static readonly Dictionary<string, (byte[] Bytes, string Type)> Files = Load();

    private static Dictionary<string, (byte[], string)> Load()
    {
        var assembly = typeof(StaticAssets).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("assets/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var file = name["assets/".Length..];
            files[file] = (copy.ToArray(), Path.GetExtension(file) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                _ => "application/octet-stream",
            });
        }
        return files;
    }

    /// <summary>The asset called <paramref name="name"/> (a plain file name; anything else is not found).</summary>
    public static IResult Serve(string name) =>
        Files.TryGetValue(name, out var f) ? Results.Bytes(f.Bytes, f.Type) : Results.NotFound();
}
