use pcapdoc::engine::{Observer, TcpInfo};
struct Dump;
impl Observer for Dump {
    fn on_tcp(&mut self, f: &pcapdoc::decode::Frame<'_>, _t: &pcapdoc::decode::Tcp<'_>, i: &TcpInfo, _c: &pcapdoc::flow::Conversation) {
        let names: Vec<&str> = i.analysis.map(|a| a.field_names().collect()).unwrap_or_default();
        println!("{}\t{}\t{}", f.frame, i.placement.stream, names.join(","));
    }
    fn on_quoted_tcp(&mut self, f: &pcapdoc::decode::Frame<'_>) {
        println!("{}\t\t", f.frame);
    }
}
fn main() {
    for p in std::env::args().skip(1) {
        let r = pcapdoc::capture::CaptureReader::open(std::path::Path::new(&p)).unwrap();
        pcapdoc::engine::run(r, &mut Dump);
    }
}
