using Interrogate.IO;
using Interrogate.Tests.Formats;

namespace Interrogate.Tests.IO;

/// <summary>Output paths refused before any work, with the flag named, and nothing created by the check itself.</summary>
public class OutputPathTests
{
    private static string Fails(string path, OutputKind kind, params string[] inputs) =>
        Assert.Throws<InputException>(() => OutputPath.Check(path, "--out", kind, inputs)).Message;

    [Fact]
    public void Check_ExistingFileForAFolder_NamesFlag()
    {
        using var dir = new TempDir();
        var file = dir.Write("taken", [1]);
        Assert.StartsWith($"--out {file}: is an existing file", Fails(file, OutputKind.Folder));
        Assert.Equal([1], File.ReadAllBytes(file));
    }

    [Fact]
    public void Check_ExistingFileForAFile_RefusedUnlessReplaced()
    {
        using var dir = new TempDir();
        var file = dir.Write("report.html", [1]);
        Assert.Contains("already exists", Fails(file, OutputKind.File));
        OutputPath.Check(file, "--out", OutputKind.File, [], replaces: true);
    }

    [Fact]
    public void Check_InsideOrEqualToInput_Refused()
    {
        using var dir = new TempDir();
        var model = Directory.CreateDirectory(dir.File("model")).FullName;
        Assert.Contains("lies inside the input folder", Fails(Path.Combine(model, "out"), OutputKind.Folder, model));
        Assert.Contains("is also an input", Fails(model, OutputKind.Folder, model));
    }

    [Fact]
    public void Check_UnderAFileOrUnwritable_NamesTheObstacle()
    {
        using var dir = new TempDir();
        var file = dir.Write("file", [1]);
        Assert.Contains($"{file} is a file, not a folder", Fails(Path.Combine(file, "a", "b"), OutputKind.Folder));
        if (Directory.Exists("/proc/self")) Assert.Contains("cannot write in /proc", Fails("/proc/interrogate-test/out", OutputKind.Folder));
    }

    [Fact]
    public void Check_NewPathUnderNewFolders_PassesAndCreatesNothing()
    {
        using var dir = new TempDir();
        OutputPath.Check(dir.File(Path.Combine("a", "b", "out")), "--out", OutputKind.Folder, []);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }
}
