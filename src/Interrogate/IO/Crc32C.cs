using System.Buffers.Binary;
using System.Numerics;

namespace Interrogate.IO;

/// <summary>
/// CRC-32C (Castagnoli, the checksum of iSCSI, ext4 and SSE 4.2's crc32 instruction) over bytes
/// appended in pieces. Why this and not SHA-256: a store's chunk files are its bulk (tens of
/// thousands of times its token ids), so their checksum is computed while they are written and
/// again whenever a chunk is read; the hardware instruction (<see cref="BitOperations.Crc32C(uint, ulong)"/>)
/// keeps that well under the cost of reading the bytes. It detects damage (every burst up to 32
/// bits, other changes with probability 1 − 2⁻³²), not tampering.
/// <code>
/// var crc = new Crc32C();
/// crc.Append(header); crc.Append(rows);
/// string hex = crc.Hex;   // "e3069283" for the bytes "123456789"
/// </code>
/// </summary>
public sealed class Crc32C
{
    private uint state = uint.MaxValue;

    /// <summary>The checksum of everything appended so far (the standard final inversion applied).</summary>
    public uint Value => ~state;

    /// <summary><see cref="Value"/> as 8 lower-case hex digits, as stores record it.</summary>
    public string Hex => Value.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    public void Append(ReadOnlySpan<byte> bytes)
    {
        uint crc = state;
        while (bytes.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
            bytes = bytes[8..];
        }
        foreach (byte b in bytes) crc = BitOperations.Crc32C(crc, b);
        state = crc;
    }

    /// <summary>The checksum of a whole file, read front to back in 1 MiB pieces, as hex.</summary>
    public static string OfFile(string path)
    {
        var crc = new Crc32C();
        var buffer = new byte[1 << 20];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        for (int n; (n = stream.Read(buffer)) > 0;) crc.Append(buffer.AsSpan(0, n));
        return crc.Hex;
    }
}
