using System.Runtime.InteropServices;
using Interrogate.IO;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.IO;

/// <summary>
/// SequentialFile's bytes equal what was staged, whatever the write sizes against the 4 KB blocks
/// direct writes need, both direct (where the temp folder's file system takes O_DIRECT) and through
/// the buffered fallback.
/// </summary>
public sealed class SequentialFileTests : IDisposable
{
    private readonly TempDir temp = new();

    public void Dispose() => temp.Dispose();

    /// <summary>A header smaller than a block, then pieces that end inside, exactly on and across block edges.</summary>
    private static readonly int[] Pieces = [32, 100, 4096 - 132, 4096, 5000, 1, 3 * 4096 + 17, 0, 4095];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void StagedPieces_WrittenInAnyGrouping_FileHoldsExactlyThoseBytes(bool allowDirect)
    {
        var path = temp.File($"sequential-{allowDirect}.bin");
        try
        {
            var expected = new List<byte>();
            var random = new Random(7);
            using (var file = SequentialFile.CreateNew(path, allowDirect))
            {
                if (!allowDirect) Assert.False(file.IsDirect);
                else if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64 && FileSystemTakesDirect(temp.Path)) Assert.True(file.IsDirect);
                for (int i = 0; i < Pieces.Length; i++)
                {
                    var bytes = new byte[Pieces[i]];
                    random.NextBytes(bytes);
                    bytes.CopyTo(file.Stage(bytes.Length));
                    expected.AddRange(bytes);
                    if (i % 3 != 1) file.Write();   // some pieces stay staged across the next one
                }
                Assert.Equal(expected.Count, file.Length);
                file.Complete();
            }
            Assert.Equal(expected.ToArray(), File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>ext4, xfs and btrfs take O_DIRECT; anything else (overlay, tmpfs…) is not asserted.</summary>
    private static bool FileSystemTakesDirect(string folder)
    {
        var mounts = File.Exists("/proc/mounts") ? File.ReadAllLines("/proc/mounts") : [];
        var best = mounts.Select(l => l.Split(' ')).Where(f => f.Length > 2 && folder.StartsWith(f[1], StringComparison.Ordinal)).MaxBy(f => f[1].Length);
        return best is not null && best[2] is "ext4" or "xfs" or "btrfs";
    }

    [Fact]
    public void StagingStream_ManySmallWrites_FileHoldsWhatBinaryWriterWrote()
    {
        var path = temp.File("staged.bin");
        var expected = new MemoryStream();
        using (var file = SequentialFile.CreateNew(path))
        {
            using (var staging = file.StagingStream())
            using (var w = new BinaryWriter(staging))
            using (var reference = new BinaryWriter(expected, System.Text.Encoding.UTF8, leaveOpen: true))
                for (int i = 0; i < 5000; i++)   // ~50 KB in small pieces: the staging buffer grows many times
                {
                    w.Write(i); w.Write((byte)i); w.Write(i * 0.5);
                    reference.Write(i); reference.Write((byte)i); reference.Write(i * 0.5);
                }
            file.Complete();
        }
        Assert.Equal(expected.ToArray(), File.ReadAllBytes(path));
    }

    [Fact]
    public void CreateNew_ExistingFile_Throws()
    {
        var path = temp.File("taken.bin");
        File.WriteAllText(path, "already here");
        Assert.ThrowsAny<IOException>(() => SequentialFile.CreateNew(path));
        Assert.Equal("already here", File.ReadAllText(path));
    }

    [Fact]
    public void Complete_NothingStaged_EmptyFile()
    {
        var path = temp.File("empty.bin");
        using (var file = SequentialFile.CreateNew(path)) file.Complete();
        Assert.Equal(0, new FileInfo(path).Length);
    }
}
