using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace Interrogate.Tests.Fuzz;

/// <summary>Seeded ways to damage the files a command reads; each one leaves the file invalid, never merely different.</summary>
public static class Damage
{
    /// <summary>Copies a folder (one level plus subfolders) into <paramref name="target"/>.</summary>
    public static string CopyFolder(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(source)) CopyFolder(dir, Path.Combine(target, Path.GetFileName(dir)));
        return target;
    }

    /// <summary>The header JSON and the data area of a safetensors file.</summary>
    public static (string Header, byte[] Data) SplitSafetensors(byte[] bytes)
    {
        var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return (Encoding.UTF8.GetString(bytes, 8, n), bytes[(8 + n)..]);
    }

    public static byte[] JoinSafetensors(string header, byte[] data, long? declaredLength = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)(declaredLength ?? h.Length));
        h.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + h.Length);
        return bytes;
    }

    public static byte[] RandomBytes(Random rng, int count)
    {
        var b = new byte[count];
        rng.NextBytes(b);
        return b;
    }

    /// <summary>Rewrites one tensor's header entry (the tensor chosen at random among those with data).</summary>
    public static string EditEntry(string header, Random rng, Action<JsonObject> edit)
    {
        var root = JsonNode.Parse(header)!.AsObject();
        var names = root.Where(p => p.Key != "__metadata__").Select(p => p.Key).OrderBy(n => n, StringComparer.Ordinal).ToList();
        edit(root[names[rng.Next(names.Count)]]!.AsObject());
        return root.ToJsonString();
    }

    /// <summary>Pads a header with spaces to its old length, so only the edited entry differs.</summary>
    public static string Pad(string header, int length) => header.Length >= length ? header : header + new string(' ', length - header.Length);

    /// <summary>Writes a float32 bit pattern (NaN or ±Inf) over one element of one F32 tensor.</summary>
    public static byte[] PlantNonFinite(byte[] bytes, Random rng, float value, out string tensor, Func<string, bool>? where = null)
    {
        var (header, data) = SplitSafetensors(bytes);
        var root = JsonNode.Parse(header)!.AsObject();
        var entries = root.Where(p => p.Key != "__metadata__" && (string)p.Value!["dtype"]! == "F32")
            .Select(p => (p.Key, Begin: (long)p.Value!["data_offsets"]![0]!, End: (long)p.Value!["data_offsets"]![1]!))
            .Where(e => e.End > e.Begin && (where is null || where(e.Key))).OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
        var pick = entries[rng.Next(entries.Count)];
        tensor = pick.Key;
        long element = rng.NextInt64((pick.End - pick.Begin) / 4);
        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteSingleLittleEndian(copy.AsSpan((int)(bytes.Length - data.Length + pick.Begin + element * 4)), value);
        return copy;
    }

    /// <summary>Makes a named pipe (FIFO) at <paramref name="path"/>; false where mkfifo is not available.</summary>
    public static bool MakeFifo(string path)
    {
        if (File.Exists(path)) File.Delete(path);
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    public static JsonObject ReadJson(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    public static void WriteJson(string path, JsonNode node) => File.WriteAllText(path, node.ToJsonString());
}
