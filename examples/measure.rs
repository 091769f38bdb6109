use interleavings::models::*;
use interleavings::*;
use std::time::Duration;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (s, t): (usize, u32) = (args[2].parse().unwrap(), args[3].parse().unwrap());
    let engine = match args[1].as_str() {
        "loom" => Engine::loom(),
        "dfs" => Engine::dfs(),
        "loom2" => Engine::loom().preemption_bound(2),
        _ => panic!(),
    };
    let r = Explorer::new(TicketSale::guarded(s, t))
        .engine(engine)
        .time_limit(Duration::from_secs(60))
        .run();
    println!("{}", r.verdict());
    println!(
        "{} executions, {:.2}s, {:.0}/s",
        r.executions(),
        r.elapsed().as_secs_f64(),
        r.executions_per_second()
    );
}
