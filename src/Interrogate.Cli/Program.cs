using System.CommandLine;
using Interrogate.Cli.Commands;

namespace Interrogate.Cli;

/// <summary>
/// The `interrogate` command. Commands are thin: parse, call the library, print. Every error a
/// user can cause becomes one line on stderr and exit code 2.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("Interrogate: make a neural network explain itself, with evidence.");
        root.Add(GlobalOptions.Threads);
        root.Add(GlobalOptions.Blas);
        root.Add(GlobalOptions.AllowNonFinite);
        root.Add(TrainCommand.Create());
        root.Add(EvalCommand.Create());
        root.Add(LossCommand.Create());
        root.Add(GenerateCommand.Create());
        root.Add(HooksCommand.Create());
        root.Add(TokenizeCommand.Create());
        root.Add(TraceCommand.Create());
        root.Add(TokenizerCommand.Create());
        root.Add(ExperimentCommand.Create());
        root.Add(ActivationsCommand.Create());
        root.Add(NeuronsCommand.Create());
        root.Add(RedundancyCommand.Create());
        root.Add(PruneCommand.Create());
        root.Add(ImportanceCommand.Create());
        root.Add(DemoCommand.Create());
        root.Add(PatchCommand.Create());
        root.Add(AttributeCommand.Create());
        root.Add(MergeCommand.Create());
        root.Add(SlurmCommand.Create());
        root.Add(ServeCommand.Create());
        root.Add(SaeCommand.Create());
        root.Add(ExportCommand.Create());
        return Run(root, args);
    }

    internal static int Run(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine($"error: {Errors.ParseErrorLine(parsed)}");
            return ExitCodes.BadInput;
        }
        OutputGuard? outputs = null;
        try
        {
            GlobalOptions.Apply(parsed);
            outputs = OutputGuard.Check(parsed);
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (Errors.IsUserError(e))
        {
            outputs?.RollBack();
            Console.Error.WriteLine($"error: {Errors.OneLine(e)}");
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("interrupted");
            return 130;
        }
    }
}
