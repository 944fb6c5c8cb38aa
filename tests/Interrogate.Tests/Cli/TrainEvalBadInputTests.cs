namespace Interrogate.Tests.Cli;

public class TrainEvalBadInputTests
{
    [Fact]
    public void Train_NonNumericEpochs_ExitsTwoNamingFlag() =>
        CliRunner.AssertBadInput(CliRunner.Run("train", "mnist", "--epochs", "abc"), "abc");

    [Fact]
    public void Train_UnknownActivation_ExitsTwoNamingFlag() =>
        CliRunner.AssertBadInput(CliRunner.Run("train", "mnist", "--activation", "swishy", "--epochs", "1"), "--activation");

    [Fact]
    public void Train_BadHiddenList_ExitsTwoNamingFlag() =>
        CliRunner.AssertBadInput(CliRunner.Run("train", "mnist", "--hidden", "256,x"), "--hidden");

    [Theory]
    [InlineData("-5")]
    [InlineData("8000")]
    public void Train_ValidationOutOfRange_ExitsTwoNamingFlag(string count) =>
        CliRunner.AssertBadInput(CliRunner.Run("train", "mnist", "--validation", count, "--epochs", "1", "--out", Path.Combine(Path.GetTempPath(), "interrogate-never-written")), "--validation");

    [Fact]
    public void Train_UnknownFlag_ExitsTwo() =>
        CliRunner.AssertBadInput(CliRunner.Run("train", "mnist", "--frobnicate"), "--frobnicate");

    [Fact]
    public void Eval_MissingModelDirectory_ExitsTwoNamingPath()
    {
        var missing = Path.Combine(Path.GetTempPath(), "interrogate-no-such-model");
        CliRunner.AssertBadInput(CliRunner.Run("eval", "mnist", "--model", missing), "interrogate-no-such-model");
    }

    [Fact]
    public void Threads_Zero_ExitsTwo() =>
        CliRunner.AssertBadInput(CliRunner.Run("--threads", "0", "eval", "mnist", "--model", "x"), "--threads");
}
