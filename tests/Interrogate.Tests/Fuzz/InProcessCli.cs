using System.Text;

namespace Interrogate.Tests.Fuzz;

/// <summary>
/// Runs the `interrogate` program inside the test process (Program.Main), so hundreds of cases fit
/// in seconds where a process each would take minutes. Console output is routed per call through
/// an <see cref="AsyncLocal{T}"/>, so a case only sees what it wrote; anything escaping Main is
/// recorded as the crash it would be (exit 134 and the stack trace on stderr).
/// </summary>
public static class InProcessCli
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    private static readonly AsyncLocal<StringWriter?> CapturedOut = new();
    private static readonly AsyncLocal<StringWriter?> CapturedError = new();
    private static readonly object Gate = new();
    private static bool installed;

    public static Result Run(params string[] args)
    {
        Install();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        // A fresh execution context per run: the captured writers cannot leak into other tests.
        Result? result = null;
        var thread = new Thread(() =>
        {
            CapturedOut.Value = stdout;
            CapturedError.Value = stderr;
            int code;
            try { code = Interrogate.Cli.Program.Main(args); }
            catch (Exception e)
            {
                stderr.WriteLine($"Unhandled exception. {e}");
                code = 134;
            }
            result = new Result(code, stdout.ToString(), stderr.ToString());
        }, maxStackSize: 16 << 20) { IsBackground = true };
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(60)))
            return new Result(-1, stdout.ToString(), stderr + "\n(timed out after 60 s; still running)");
        return result!;
    }

    private static void Install()
    {
        lock (Gate)
        {
            if (installed) return;
            Console.SetOut(new Router(Console.Out, () => CapturedOut.Value));
            Console.SetError(new Router(Console.Error, () => CapturedError.Value));
            installed = true;
        }
    }

    /// <summary>Writes to the calling context's captured writer, or to the original one outside a run.</summary>
    private sealed class Router(TextWriter fallback, Func<StringWriter?> current) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;
        private TextWriter Target => (TextWriter?)current() ?? fallback;
        public override void Write(char value) { var t = Target; lock (t) t.Write(value); }
        public override void Write(string? value) { var t = Target; lock (t) t.Write(value); }
        public override void Write(char[] buffer, int index, int count) { var t = Target; lock (t) t.Write(buffer, index, count); }
        public override void WriteLine(string? value) { var t = Target; lock (t) t.WriteLine(value); }
        public override void Flush() => Target.Flush();
    }
}
